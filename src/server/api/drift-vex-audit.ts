import type { Router } from 'express';
import { z } from 'zod';
import { Sha256Digest } from '../../model/digest.ts';
import { FacetDrift } from '../../model/drift.ts';
import { FacetId } from '../../model/facet.ts';
import { DsseEnvelope } from '../../model/seal.ts';
import { listAudit } from '../../store/audit.ts';
import { listDrift, recordDrift } from '../../store/drift-history.ts';
import { listVex, submitVex } from '../../store/vex.ts';
import { actorOf, parseBody, parseQuery, principalOf, requireScope } from '../http.ts';
import { SCOPES, type ApiDeps } from './deps.ts';
import { AuditQuery, DriftQuery, VexQuery } from './queries.ts';

const DriftBody = z.strictObject({
  drifts: z.array(FacetDrift).min(1).max(256),
  /** Recorded in the audit row (the decision, the image reference, …). */
  details: z.record(z.string(), z.unknown()).optional(),
});

const VexBody = z.strictObject({
  imageDigest: Sha256Digest,
  facetId: FacetId.optional(),
  envelope: DsseEnvelope,
  document: z.record(z.string(), z.unknown()).optional(),
});

/** POST/GET /drift, POST/GET /vex, GET /audit. */
export function driftVexAuditRoutes(router: Router, deps: ApiDeps): void {
  const { store, requireScopes } = deps;

  router.post('/drift', requireScope(SCOPES.driftWrite, requireScopes), async (req, res) => {
    const body = parseBody(DriftBody, req);
    res
      .status(201)
      .json(await recordDrift(store, principalOf(res).tenant, body.drifts, actorOf(res), body.details));
  });

  router.get('/drift', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    res.json({ drift: await listDrift(store, principalOf(res).tenant, parseQuery(DriftQuery, req)) });
  });

  router.post('/vex', requireScope(SCOPES.vexWrite, requireScopes), async (req, res) => {
    const body = parseBody(VexBody, req);
    res.status(201).json(await submitVex(store, principalOf(res).tenant, body, actorOf(res)));
  });

  router.get('/vex', requireScope(SCOPES.read, requireScopes), async (req, res) => {
    res.json({ statements: await listVex(store, principalOf(res).tenant, parseQuery(VexQuery, req)) });
  });

  router.get('/audit', requireScope(SCOPES.auditRead, requireScopes), async (req, res) => {
    res.json({ entries: await listAudit(store.db, principalOf(res).tenant, parseQuery(AuditQuery, req)) });
  });
}
