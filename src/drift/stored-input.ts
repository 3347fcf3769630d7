import { parseReference, repositoryOf } from '../image/index.ts';
import type { Tenant } from '../model/tenant.ts';
import type { TrustStore } from '../seal/index.ts';
import { latestApprovedBaseline } from '../store/baselines.ts';
import { loadSealSetByDigest } from '../store/seal-sets.ts';
import type { Store } from '../store/store.ts';
import { DriftError } from './errors.ts';
import { sideFromSealSet, type LoadedSide } from './input.ts';

/** `stored:sha256:…` (an image digest in the store) or `baseline:REPO` (its latest approved image). */
const STORED_INPUT = /^(stored|baseline):(.+)$/;

export function isStoredInput(text: string): boolean {
  return STORED_INPUT.test(text);
}

/**
 * A drift side read from the store (SPEC §9). Manifests are re-hashed by the CAS on read; the seals are
 * verified again against the tenant's keyring, so a row edited behind the store's back is refused.
 */
export async function loadStoredSide(
  text: string,
  store: Store,
  tenant: Tenant,
  trust: TrustStore,
): Promise<LoadedSide> {
  const match = STORED_INPUT.exec(text);
  if (match === null)
    throw new DriftError('DRIFT_INPUT_INVALID', `${text} is not a stored:… or baseline:… input`);
  const [, kind, value] = match as unknown as [string, 'stored' | 'baseline', string];
  if (kind === 'stored') {
    const set = await loadSealSetByDigest(store, tenant, value);
    if (set === undefined) {
      throw new DriftError('DRIFT_INPUT_NOT_FOUND', `no seals of ${value} are stored for tenant ${tenant}`, {
        hint: 'store them with `stella seal IMAGE --store`',
      });
    }
    return sideFromSealSet(set, trust, text, `${text} comes from the store`);
  }
  const repository = normaliseRepository(value);
  const baseline = await latestApprovedBaseline(store, tenant, repository);
  if (baseline === undefined) {
    throw new DriftError(
      'DRIFT_INPUT_NOT_FOUND',
      `${repository} has no approved baseline for tenant ${tenant}`,
      {
        hint: 'approve one with `stella baseline approve IMAGE`',
      },
    );
  }
  return sideFromSealSet(baseline.sealSet, trust, text, `${text} comes from the store`);
}

/** `REPO` as the store keys baselines (registry + repository), or the text as given when it parses as no reference. */
export function normaliseRepository(text: string): string {
  try {
    return repositoryOf(parseReference(text));
  } catch {
    return text;
  }
}
