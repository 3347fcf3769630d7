import type { Sha256Digest } from '../../model/digest.ts';
import { INDEX_MEDIA_TYPES } from '../../image/media-types.ts';
import { createRegistrySource, resolveDigest, type RegistryOptions } from '../../image/registry/index.ts';
import type { RegistryReference } from '../../image/reference.ts';
import { AdmissionError } from '../errors.ts';
import type { ImageName } from '../image-name.ts';
import type { AdmissionPorts, PullContext } from '../ports.ts';

/**
 * Digest resolution for the webhook over the registry client (SPEC §3, §11): a tag by one `HEAD` with the
 * pod's pull credentials (a HEAD does not count against Docker Hub's pull limit, NOTES.md); an index
 * mapped once to the configured platform's manifest and config digests. Mappings from a digest are
 * immutable and cached; tags are never cached (NOTES.md complaint 9).
 */
export interface RegistryPortsOptions {
  /** Registry settings (platform, CA file, insecure hosts, timeouts); `creds` come from `credentials`. */
  readonly registry: Omit<RegistryOptions, 'creds'>;
  /** The pod's credentials for this registry and repository (src/k8s pull secrets), or anonymous. */
  readonly credentials: (
    pull: PullContext,
    registry: string,
    repository: string,
  ) => Promise<RegistryOptions['creds']>;
  readonly cacheEntries?: number;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

class BoundedMap<V> extends Map<string, V> {
  readonly #max: number;
  constructor(max: number) {
    super();
    this.#max = max;
  }
  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.#max) super.delete(this.keys().next().value as string);
    return this;
  }
}

export function registryAdmissionPorts(
  options: RegistryPortsOptions,
): Required<Pick<AdmissionPorts, 'resolveDigest' | 'resolveConfigDigest'>> {
  const max = options.cacheEntries ?? 10_000;
  /** index or manifest digest → the platform manifest digest */
  const platform = new BoundedMap<Sha256Digest>(max);
  /** manifest digest → config digest */
  const config = new BoundedMap<Sha256Digest>(max);

  async function registryOptions(name: ImageName, pull: PullContext): Promise<RegistryOptions> {
    const creds = await options.credentials(pull, name.registry, name.repository);
    return creds === undefined ? options.registry : { ...options.registry, creds };
  }

  async function resolvePinned(ref: RegistryReference, opts: RegistryOptions, signal: AbortSignal) {
    const source = createRegistrySource(ref, opts);
    try {
      const resolved = await source.resolve(signal);
      config.set(resolved.imageDigest, resolved.configDigest);
      return resolved;
    } finally {
      await source.close();
    }
  }

  return {
    async resolveDigest(name, pull, signal) {
      const known = name.digest === undefined ? undefined : platform.get(name.digest);
      if (known !== undefined) return known;
      const opts = await registryOptions(name, pull);
      let head: { digest: string; mediaType: string | undefined };
      try {
        head = await resolveDigest(name.reference, opts, signal);
      } catch (error) {
        // A digest reference still names its image when the registry cannot be reached: if it is a
        // manifest digest its seals are found, if it is an index digest the lookup misses and says so.
        if (name.digest !== undefined && SHA256.test(name.digest) && !signal.aborted) return name.digest;
        throw error;
      }
      if (!SHA256.test(head.digest)) {
        throw new AdmissionError(
          'ADMISSION_IMAGE_REF_INVALID',
          `${name.original}: only sha256 manifests can be sealed`,
        );
      }
      const digest = head.digest;
      if (head.mediaType === undefined || !INDEX_MEDIA_TYPES.has(head.mediaType)) {
        platform.set(digest, digest);
        return digest;
      }
      const resolved = await resolvePinned({ ...name.reference, tag: undefined, digest }, opts, signal);
      platform.set(digest, resolved.imageDigest);
      return resolved.imageDigest;
    },

    async resolveConfigDigest(name, imageDigest, pull, signal) {
      const known = config.get(imageDigest);
      if (known !== undefined) return known;
      const resolved = await resolvePinned(
        { ...name.reference, tag: undefined, digest: imageDigest },
        await registryOptions(name, pull),
        signal,
      );
      return resolved.configDigest;
    },
  };
}
