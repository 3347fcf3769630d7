import { isZastavaError } from '../model/errors.ts';
import { parseRegistryReference, repositoryOf, type RegistryReference } from '../image/reference.ts';
import { AdmissionError } from './errors.ts';

/**
 * A container image as a Pod names it: a registry reference as docker and the kubelet read it
 * (`nginx` is `docker.io/library/nginx:latest`), parsed by the same code as every other reference so that
 * "the same repository" means the same thing to the webhook and to `stella baseline approve` (SPEC §8).
 */
export interface ImageName {
  /** The reference as written in the pod. */
  readonly original: string;
  readonly reference: RegistryReference;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** `registry/repository` (`repositoryOf`): the key of a repository's baseline. */
  readonly repositoryName: string;
}

const MAX_REFERENCE_LENGTH = 4096;

export function parseImageName(image: string): ImageName {
  const shown = image.length > 200 ? `${image.slice(0, 200)}…` : image;
  if (image.length === 0 || image.length > MAX_REFERENCE_LENGTH) {
    throw new AdmissionError('ADMISSION_IMAGE_REF_INVALID', `image "${shown}": empty or too long`);
  }
  let reference: RegistryReference;
  try {
    reference = parseRegistryReference(image, image);
  } catch (error) {
    const why = isZastavaError(error) ? error.message : 'not an image reference';
    throw new AdmissionError('ADMISSION_IMAGE_REF_INVALID', `container image "${shown}": ${why}`, {
      cause: error,
    });
  }
  return {
    original: image,
    reference,
    registry: reference.registry,
    repository: reference.repository,
    tag: reference.tag,
    digest: reference.digest,
    repositoryName: repositoryOf(reference),
  };
}

/** `registry/repository@digest`: the immutable name of one image, used in messages and VEX commands. */
export function pinnedName(name: ImageName, digest: string): string {
  return `${name.repositoryName}@${digest}`;
}
