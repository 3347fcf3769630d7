import type { Router } from 'express';
import { z } from 'zod';
import { Sha256Digest } from '../../model/digest.ts';
import { resolveApprovalTarget } from '../../store/approval-target.ts';
import {
  approveBaseline,
  latestApprovedBaseline,
  latestApprovedManifests,
  listApprovals,
} from '../../store/baselines.ts';
import { StoreError } from '../../store/errors.ts';
import { actorOf, parseBody, parseQuery, principalOf, requireScope } from '../http.ts';
import { SCOPES, type ApiDeps } from './deps.ts';
import { ApprovalsQuery, BaselineQuery } from './queries.ts';

/** `image` as `stella baseline approve` takes it, or `imageDigest` (with `repository` when needed). */
const ApprovalBody = z
  .strictObject({
    image: z.string().min(1).max(1024).optional(),
    imageDigest: Sha256Digest.optional(),
    repository: z.string().min(1).max(512).optional(),
    reason: z.string().max(2000).optional(),
  })
  .refine((b) => b.image !== undefined || b.imageDigest !== undefined, 'name the image or the imageDigest');

/** POST /approvals, GET /approvals, GET /baselines?repository=R[&full=true] (SPEC §8). */
export function approvalRoutes(router: Router, deps: ApiDeps): void {
  const { store, requireScopes } = deps;

  router.post('/approvals', requireScope(SCOPES.approve, requireScopes), async (req, res) => {
    const body = parseBody(ApprovalBody, req);
    const { tenant } = principalOf(res);
    const target = await resolveApprovalTarget(store, tenant, body.image ?? body.imageDigest!, {
      digest: body.image === undefined ? undefined : body.imageDigest,
      repository: body.repository,
    });
    res
      .status(201)
      .json(await approveBaseline(store, tenant, { ...target, reason: body.reason }, actorOf(res)));
  });

  router.get('/approvals', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    res.json({
      approvals: await listApprovals(store, principalOf(res).tenant, parseQuery(ApprovalsQuery, req)),
    });
  });

  router.get('/baselines', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    const { repository, full } = parseQuery(BaselineQuery, req);
    const { tenant } = principalOf(res);
    if (full === 'true') {
      const baseline = await latestApprovedBaseline(store, tenant, repository);
      if (baseline === undefined) throw notFound(repository);
      res.json(baseline);
      return;
    }
    const baseline = await latestApprovedManifests(store, tenant, repository);
    if (baseline === undefined) throw notFound(repository);
    res.json({ approval: baseline.approval, facets: baseline.facets.map((f) => f.seal) });
  });
}

function notFound(repository: string): StoreError {
  return new StoreError('BASELINE_NOT_FOUND', `${repository} has no approved baseline`);
}
