import type { Router } from 'express';
import { Sha256Digest } from '../../model/digest.ts';
import { z } from 'zod';
import { SealSet } from '../../model/seal.ts';
import { claimedSeal } from '../../store/claimed-seal.ts';
import { StoreError } from '../../store/errors.ts';
import { findSealSet, loadSeal, storeSealSet } from '../../store/seal-sets.ts';
import { listSealSummaries } from '../../store/seals.ts';
import { ServerError } from '../errors.ts';
import { actorOf, parseBody, parseQuery, principalOf, requireScope } from '../http.ts';
import { SCOPES, type ApiDeps } from './deps.ts';
import { SealSetQuery, SealsQuery } from './queries.ts';

/** Counts each seal of a submission once its outcome is known: `facet_seal_total{tenant,facet_type,status}`. */
function countSeals(
  deps: ApiDeps,
  tenant: string,
  seals: readonly unknown[],
): (status: (sealId: string) => 'stored' | 'already_stored' | 'rejected') => void {
  return (status) => {
    for (const seal of seals) {
      // Metric labels only: a seal that does not verify is still counted, under what it claims to be.
      const { sealId, facetType } = claimedSeal(seal);
      deps.sealTotal?.inc({ tenant, facet_type: facetType ?? 'unknown', status: status(sealId ?? '') });
    }
  };
}

/** The set's own fields here; each seal is parsed once, by verifySeal, inside storeSealSet. */
const SealSetBody = SealSet.extend({ seals: z.array(z.unknown()).min(1).max(64) });

/**
 * POST /seals: a seal set as `stella seal` writes it, verified against the tenant's keyring before
 * anything is stored (a refusal is 422 with the seal's error code, and an audit row).
 * GET /seals, /seals/:sealId, /seal-sets/:imageDigest[?configDigest=].
 */
export function sealRoutes(router: Router, deps: ApiDeps): void {
  const { store, requireScopes } = deps;

  router.post('/seals', requireScope(SCOPES.sealsWrite, requireScopes), async (req, res) => {
    const sealSet = parseBody(SealSetBody, req);
    const tenant = principalOf(res).tenant;
    const count = countSeals(deps, tenant, sealSet.seals);
    let result;
    try {
      result = await storeSealSet(store, tenant, sealSet, actorOf(res));
    } catch (error) {
      count(() => 'rejected');
      throw error;
    }
    const stored = new Set(result.stored);
    count((sealId) => (stored.has(sealId) ? 'stored' : 'already_stored'));
    res.status(result.stored.length > 0 ? 201 : 200).json(result);
  });

  router.get('/seals', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    const query = parseQuery(SealsQuery, req);
    res.json({ seals: await listSealSummaries(store, principalOf(res).tenant, query) });
  });

  router.get('/seals/:sealId', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    const seal = await loadSeal(store, principalOf(res).tenant, String(req.params.sealId));
    if (seal === undefined) throw new StoreError('SEAL_NOT_FOUND', `no seal ${String(req.params.sealId)}`);
    res.json(seal);
  });

  router.get('/seal-sets/:imageDigest', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    const digest = Sha256Digest.safeParse(req.params.imageDigest);
    if (!digest.success)
      throw new ServerError('QUERY_INVALID', 'the path must name a sha256:<64 hex> image digest');
    const { configDigest } = parseQuery(SealSetQuery, req);
    const set = await findSealSet(store, principalOf(res).tenant, { imageDigest: digest.data, configDigest });
    if (set === undefined) throw new StoreError('SEALS_NOT_FOUND', `no seals of image ${digest.data}`);
    res.json(set);
  });
}
