import { AdmissionError } from './errors.ts';

/**
 * A container image as a Pod names it (the kubelet's docker reference grammar, distribution/reference):
 * `[DOMAIN/]PATH[:TAG][@DIGEST]`. A first component that contains `.` or `:`, or is `localhost`, is the
 * registry; otherwise the registry is `docker.io`, and a one-component path gets `library/`.
 */
export interface ImageName {
  /** The reference as written in the pod. */
  readonly original: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** `registry/repository`: the key for "the same repository" when looking up a baseline (SPEC §8). */
  readonly repositoryName: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:localhost|\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_REFERENCE_LENGTH = 4096;

function invalid(image: string, why: string): AdmissionError {
  const shown = image.length > 200 ? `${image.slice(0, 200)}…` : image;
  return new AdmissionError('ADMISSION_IMAGE_REF_INVALID', `image "${shown}": ${why}`);
}

export function parseImageName(image: string): ImageName {
  if (image.length === 0 || image.length > MAX_REFERENCE_LENGTH) throw invalid(image, 'empty or too long');
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(image, `"${digest}" is not a digest`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(image, `"${tag}" is not a tag`);
  }
  const components = rest.split('/');
  let registry = 'docker.io';
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!DOMAIN.test(first)) throw invalid(image, `"${first}" is not a registry host`);
    registry = first === 'index.docker.io' ? 'docker.io' : first;
    components.shift();
  }
  if (components.length === 0 || components.some((c) => !PATH_COMPONENT.test(c))) {
    throw invalid(image, 'the repository path must be lower-case components separated by "/"');
  }
  if (registry === 'docker.io' && components.length === 1) components.unshift('library');
  const repository = components.join('/');
  return { original: image, registry, repository, tag, digest, repositoryName: `${registry}/${repository}` };
}

/** `registry/repository@digest`: the immutable name of one image, used in messages and VEX commands. */
export function pinnedName(name: ImageName, digest: string): string {
  return `${name.repositoryName}@${digest}`;
}
