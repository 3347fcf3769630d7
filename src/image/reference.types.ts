/** SPEC §3: the transports a reference can name, in skopeo's containers-transports syntax. */
export type ImageReference =
  | {
      readonly transport: 'registry';
      /** Registry host[:port], `docker.io` normalised to `registry-1.docker.io` only at request time. */
      readonly registry: string;
      /** Repository path (`library/debian` for Docker Hub's short names). */
      readonly repository: string;
      readonly tag?: string;
      readonly digest?: string;
    }
  | { readonly transport: 'oci'; readonly path: string; readonly tag?: string; readonly digest?: string }
  | { readonly transport: 'oci-archive'; readonly path: string; readonly tag?: string }
  | { readonly transport: 'docker-archive'; readonly path: string; readonly repoTag?: string }
  | { readonly transport: 'rootfs'; readonly path: string };
