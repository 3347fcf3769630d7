import type { Sha256Digest } from '../../model/digest.ts';
import { createRegistryClient } from './client.ts';
import type { RegistryOptions } from './options.ts';
import type { RegistryReference } from './source.ts';

export interface ResolvedDigest {
  /** What the tag points at now: an index digest for a multi-platform image. */
  readonly digest: Sha256Digest;
  readonly mediaType: string | undefined;
}

/**
 * Tag → digest with one `HEAD` (plus the token dance), for the webhook: a HEAD does not count against
 * Docker Hub's pull limit (NOTES.md). A reference that already names a digest is confirmed by the HEAD.
 */
export async function resolveDigest(
  ref: RegistryReference,
  options: RegistryOptions,
  signal?: AbortSignal,
): Promise<ResolvedDigest> {
  const client = await createRegistryClient(ref.registry, ref.repository, options);
  try {
    const head = await client.headManifest(ref.digest ?? ref.tag ?? 'latest', signal);
    return { digest: head.digest, mediaType: head.mediaType };
  } finally {
    await client.close();
  }
}
