import { parseReference, repositoryOf } from '../image/index.ts';
import type { Tenant } from '../model/tenant.ts';
import type { TrustStore } from '../seal/index.ts';
import { latestApprovedBaseline } from '../store/baselines.ts';
import { loadSeal, loadSealSetByDigest } from '../store/seal-sets.ts';
import type { Store } from '../store/store.ts';
import { DriftError } from './errors.ts';
import { sideFromSealSet, type LoadedSide } from './input.ts';

/**
 * `stored:sha256:…` (an image digest in the store), `baseline:REPO` (its latest approved image) or
 * `seal:UUID` (one stored seal: the drift of its facet alone, seed §4.4 `CalculateAsync`).
 */
const STORED_INPUT = /^(stored|baseline|seal):(.+)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const [, kind, value] = match as unknown as [string, 'stored' | 'baseline' | 'seal', string];
  if (kind === 'seal') return loadStoredSeal(text, value, store, tenant, trust);
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

/**
 * `seal:UUID`: the seal's whole set is read (so the side keeps the set's facet definitions digest and is
 * verified like any stored set), and the drift is restricted to the seal's facet. One seal per facet and
 * image digest in a tenant (`uq_facet_seal`), so the set's seal of that facet is this seal.
 */
async function loadStoredSeal(
  text: string,
  id: string,
  store: Store,
  tenant: Tenant,
  trust: TrustStore,
): Promise<LoadedSide> {
  if (!UUID.test(id)) {
    throw new DriftError('DRIFT_INPUT_INVALID', `${text}: a seal id is a UUID`, {
      hint: 'seal ids are listed by GET /api/v1/seals, or in a seals file',
    });
  }
  const seal = await loadSeal(store, tenant, id.toLowerCase());
  const set = seal && (await loadSealSetByDigest(store, tenant, seal.imageDigest));
  if (seal === undefined || set === undefined) {
    throw new DriftError('DRIFT_INPUT_NOT_FOUND', `no seal ${id} is stored for tenant ${tenant}`);
  }
  const loaded = sideFromSealSet(set, trust, text, `${text} comes from the store`);
  return { ...loaded, onlyFacet: seal.manifest.facetId };
}

/** `REPO` as the store keys baselines (registry + repository), or the text as given when it parses as no reference. */
export function normaliseRepository(text: string): string {
  try {
    return repositoryOf(parseReference(text));
  } catch {
    return text;
  }
}
