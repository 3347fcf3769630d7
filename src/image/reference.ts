import { isDigest } from './digest.ts';
import { ImageError } from './errors.ts';
import type { ImageReference } from './reference.types.ts';

export type { ImageReference } from './reference.types.ts';
export type RegistryReference = Extract<ImageReference, { transport: 'registry' }>;

const DOCKER_HUB = 'docker.io';
/** A tag (distribution/reference grammar). */
const TAG = /^\w[\w.-]{0,127}$/;
/** One repository path component (distribution/reference grammar). */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host: DNS labels or a bracketed IPv6 address, with an optional port. */
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
/** An OCI layout's `org.opencontainers.image.ref.name` (image-spec annotations.md). */
const LAYOUT_TAG = /^[A-Za-z0-9._-]+(?:[:@/+][A-Za-z0-9._-]+)*$/;
/** containers-transports names Zastava does not read: named as unknown transports, never as registries. */
const SKOPEO_TRANSPORTS = new Set(['dir', 'docker-daemon', 'containers-storage', 'ostree', 'sif', 'tarball']);
const TRAILING_DIGEST = /@([a-z0-9]+:[A-Za-z0-9=_-]*)$/;

/**
 * Parses every form of SPEC §3 (skopeo's containers-transports syntax). A text with no transport prefix is
 * a registry reference as docker and Kubernetes read it: `debian:12` is Docker Hub's `library/debian` at
 * tag 12. A `word:rest` that is not a Docker reference and whose rest looks like a path (`foo:/tmp/x`,
 * `foo:./bar`), or a skopeo transport Zastava does not read (`dir:`, `docker-daemon:`, …), is an unknown
 * transport.
 */
export function parseReference(text: string): ImageReference {
  if (text.length === 0 || /\s/.test(text)) {
    throw invalid(text, 'an image reference must be non-empty and contain no white space');
  }
  if (text.startsWith('docker://')) return parseRegistryReference(text.slice('docker://'.length), text);
  const colon = text.indexOf(':');
  if (colon > 0) {
    const transport = text.slice(0, colon);
    const rest = text.slice(colon + 1);
    switch (transport) {
      case 'oci':
        return parseLayoutReference(rest, text);
      case 'oci-archive':
        return parseArchiveReference(rest, text);
      case 'docker-archive':
        return parseDockerArchiveReference(rest, text);
      case 'rootfs':
        return { transport: 'rootfs', path: requirePath(rest, text) };
    }
    const asRegistry = SKOPEO_TRANSPORTS.has(transport) ? null : tryParseRegistryReference(text);
    if (asRegistry !== null) return asRegistry;
    if (SKOPEO_TRANSPORTS.has(transport) || (/^[a-z][a-z0-9-]*$/.test(transport) && /^[./~]|\//.test(rest))) {
      throw new ImageError(
        'TRANSPORT_UNKNOWN',
        `unknown transport "${transport}:" in image reference "${text}"`,
        {
          hint: 'use REGISTRY/REPO[:TAG|@DIGEST], docker://, oci:, oci-archive:, docker-archive: or rootfs:',
        },
      );
    }
  }
  return parseRegistryReference(text, text);
}

/** The normalised text of a reference; `parseReference(formatReference(r))` equals `r`. */
export function formatReference(ref: ImageReference): string {
  switch (ref.transport) {
    case 'registry':
      return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
    case 'oci':
      return `oci:${ref.path}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
    case 'oci-archive':
      return `oci-archive:${ref.path}${ref.tag === undefined ? '' : `:${ref.tag}`}`;
    case 'docker-archive':
      return `docker-archive:${ref.path}${ref.repoTag === undefined ? '' : `:${ref.repoTag}`}`;
    case 'rootfs':
      return `rootfs:${ref.path}`;
  }
}

/**
 * The baseline key: the repository an image version belongs to, without tag or digest
 * (`docker.io/library/debian`). A local source is its own repository (`oci:/images/app`), except a
 * docker-archive that names its `REPO:TAG`, whose repository is that name's.
 */
export function repositoryOf(ref: ImageReference): string {
  switch (ref.transport) {
    case 'registry':
      return `${ref.registry}/${ref.repository}`;
    case 'docker-archive':
      if (ref.repoTag !== undefined) {
        const named = parseRegistryReference(ref.repoTag, ref.repoTag);
        return `${named.registry}/${named.repository}`;
      }
      return `docker-archive:${ref.path}`;
    case 'oci':
    case 'oci-archive':
    case 'rootfs':
      return `${ref.transport}:${ref.path}`;
  }
}

/** `REGISTRY/REPO[:TAG][@DIGEST]` with Docker Hub's short names; without tag or digest, `latest`. */
export function parseRegistryReference(text: string, original: string): RegistryReference {
  const result = tryParseRegistryReference(text);
  if (result !== null) return result;
  throw invalid(original, describeRegistryProblem(text));
}

function tryParseRegistryReference(text: string): RegistryReference | null {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return null;
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) return null;
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? rest : rest.slice(0, slash);
  const hasDomain =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let registry = hasDomain ? first : DOCKER_HUB;
  let repository = hasDomain ? rest.slice(slash + 1) : rest;
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (!DOMAIN.test(registry)) return null;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.length === 0 || !repository.split('/').every((c) => PATH_COMPONENT.test(c))) return null;
  if (registry.length + 1 + repository.length > 255) return null;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return {
    transport: 'registry',
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

function describeRegistryProblem(text: string): string {
  const at = text.indexOf('@');
  if (at !== -1 && !isDigest(text.slice(at + 1)))
    return `"${text.slice(at + 1)}" is not a sha256 or sha512 digest`;
  if (/[A-Z]/.test(text.replace(/^[^/]*\//, ''))) return 'repository names must be lower-case';
  return 'expected REGISTRY/REPO[:TAG][@DIGEST] (distribution reference grammar)';
}

function parseLayoutReference(rest: string, original: string): ImageReference {
  const trailing = TRAILING_DIGEST.exec(rest);
  if (trailing) {
    const digest = trailing[1]!;
    if (!isDigest(digest)) throw invalid(original, `"${digest}" is not a sha256 or sha512 digest`);
    return { transport: 'oci', path: requirePath(rest.slice(0, trailing.index), original), digest };
  }
  const { path, tag } = splitPathAndTag(rest, original);
  return tag === undefined ? { transport: 'oci', path } : { transport: 'oci', path, tag };
}

function parseArchiveReference(rest: string, original: string): ImageReference {
  const { path, tag } = splitPathAndTag(rest, original);
  return tag === undefined ? { transport: 'oci-archive', path } : { transport: 'oci-archive', path, tag };
}

function parseDockerArchiveReference(rest: string, original: string): ImageReference {
  const colon = rest.indexOf(':');
  if (colon === -1) return { transport: 'docker-archive', path: requirePath(rest, original) };
  const path = requirePath(rest.slice(0, colon), original);
  const named = tryParseRegistryReference(rest.slice(colon + 1));
  if (named === null || named.digest !== undefined) {
    throw invalid(
      original,
      `"${rest.slice(colon + 1)}" is not a REPO:TAG (a docker-archive is selected by tag, not digest)`,
    );
  }
  return {
    transport: 'docker-archive',
    path,
    repoTag: `${named.registry}/${named.repository}:${named.tag ?? 'latest'}`,
  };
}

/** containers-transports: the path ends at the first `:` (paths holding a colon cannot be named). */
function splitPathAndTag(rest: string, original: string): { path: string; tag: string | undefined } {
  const colon = rest.indexOf(':');
  if (colon === -1) return { path: requirePath(rest, original), tag: undefined };
  const tag = rest.slice(colon + 1);
  if (!LAYOUT_TAG.test(tag)) throw invalid(original, `"${tag}" is not a valid image tag`);
  return { path: requirePath(rest.slice(0, colon), original), tag };
}

function requirePath(path: string, original: string): string {
  if (path.length === 0) throw invalid(original, 'the path is empty');
  return path;
}

function invalid(text: string, why: string): ImageError {
  return new ImageError('REFERENCE_INVALID', `invalid image reference "${text}": ${why}`);
}
