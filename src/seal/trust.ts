import type { KeyObject } from 'node:crypto';

/**
 * The verification port: which public keys are trusted, and which of them were valid at an instant.
 * A signature is accepted only from a key in `keysAt(sealedAt)`, but `sealedAt` is inside the signed
 * payload, so verification first tries `allKeys()` and then checks the window (docs/decisions.md).
 */
export interface TrustStore {
  allKeys(): KeyObject[];
  /** `instant` is a UTC timestamp (`YYYY-MM-DDTHH:MM:SS.mmmZ`). */
  keysAt(instant: string): KeyObject[];
}

/** Keys trusted at every instant: what `stella verify --key PUB` means. */
export function staticTrust(keys: readonly KeyObject[]): TrustStore {
  return { allKeys: () => [...keys], keysAt: () => [...keys] };
}
