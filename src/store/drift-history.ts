import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FacetDrift } from '../model/drift.ts';
import type { DriftRecord } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { appendAudit } from './audit.ts';
import { StoreError } from './errors.ts';
import { DRIFT_COLUMNS, DriftRow, parseRow } from './rows.ts';
import type { Actor, Store } from './store.ts';

/** The drift engine's stand-in seal id for a facet one side does not have (src/drift NO_SEAL_ID). */
const NO_SEAL_ID = '00000000-0000-0000-0000-000000000000';

export interface RecordedDrift {
  /** One id per recordable facet drift, in input order: new rows and rows already there for the pair. */
  readonly driftIds: readonly string[];
  /** Facets not recorded: drift against a facet that one side has no seal of (nothing to reference). */
  readonly skipped: readonly string[];
}

const SealRef = z.object({ seal_id: z.string(), facet_id: z.string() });
const IdRow = z.object({ drift_id: z.string() });

/**
 * Records each facet's drift between two stored seals (seed §4.3 `facet_drift_history`) and one
 * `drift.record` audit row with the caller's correlation id (the AdmissionReview uid for the webhook),
 * in one transaction. The seed's table keeps one row per seal pair: recording the same pair again keeps
 * the first row and returns its id; the audit log keeps every decision. Both seals must be the tenant's
 * (foreign keys are checked without row-level security, so this is checked here).
 */
export function recordDrift(
  store: Store,
  tenant: Tenant,
  drifts: readonly FacetDrift[],
  by: Actor,
  details: Record<string, unknown> = {},
): Promise<RecordedDrift> {
  const recordable = drifts.filter((d) => d.baselineSealId !== NO_SEAL_ID && d.currentSealId !== NO_SEAL_ID);
  const skipped = drifts.filter((d) => !recordable.includes(d)).map((d) => d.facetId);
  return store.db.withTenant(tenant, async (sql) => {
    const ids = [...new Set(recordable.flatMap((d) => [d.baselineSealId, d.currentSealId]))];
    const seals = new Map(
      (
        await sql.query(
          'SELECT seal_id, facet_id FROM facet_seals WHERE tenant = $1 AND seal_id = ANY($2::uuid[])',
          [tenant, ids],
        )
      ).map((r) => {
        const row = parseRow(SealRef, r, 'facet_seals');
        return [row.seal_id, row.facet_id];
      }),
    );
    const driftIds: string[] = [];
    for (const drift of recordable) {
      for (const sealId of [drift.baselineSealId, drift.currentSealId]) {
        const facet = seals.get(sealId);
        if (facet === undefined)
          throw new StoreError(
            'SEAL_NOT_FOUND',
            `drift of facet ${drift.facetId}: seal ${sealId} is not stored for tenant ${tenant}`,
          );
        if (facet !== drift.facetId)
          throw new StoreError(
            'SEAL_SET_INVALID',
            `drift of facet ${drift.facetId} refers to seal ${sealId} of facet ${facet}`,
          );
      }
      const inserted = await sql.query(
        `INSERT INTO facet_drift_history (drift_id, tenant, baseline_seal_id, current_seal_id, facet_id,
           drift_score_json, quota_verdict_json, computed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, clock_timestamp())
         ON CONFLICT (baseline_seal_id, current_seal_id) DO NOTHING RETURNING drift_id`,
        [
          randomUUID(),
          tenant,
          drift.baselineSealId,
          drift.currentSealId,
          drift.facetId,
          JSON.stringify(drift.score),
          JSON.stringify(drift.quotaVerdict),
        ],
      );
      const row =
        inserted[0] ??
        (
          await sql.query(
            'SELECT drift_id FROM facet_drift_history WHERE tenant = $1 AND baseline_seal_id = $2 AND current_seal_id = $3',
            [tenant, drift.baselineSealId, drift.currentSealId],
          )
        )[0];
      if (row === undefined)
        throw new StoreError('DB_QUERY_FAILED', `drift of facet ${drift.facetId} was not recorded`);
      driftIds.push(parseRow(IdRow, row, 'facet_drift_history').drift_id);
    }
    await appendAudit(sql, tenant, 'drift.record', by, {
      ...details,
      driftIds,
      skipped,
      facets: drifts.map((d) => ({
        facetId: d.facetId,
        baselineSealId: d.baselineSealId,
        currentSealId: d.currentSealId,
        totalChanges: d.score.totalChanges,
        passed: d.quotaVerdict.passed,
        action: d.quotaVerdict.recommendedAction,
      })),
    });
    return { driftIds, skipped };
  });
}

export interface DriftQuery {
  /** Drift whose current seal is of this image. */
  readonly imageDigest?: string | undefined;
  /** Drift in which this seal takes part, on either side. */
  readonly sealId?: string | undefined;
  readonly limit?: number | undefined;
}

export function listDrift(store: Store, tenant: Tenant, query: DriftQuery = {}): Promise<DriftRecord[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return store.db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `SELECT ${DRIFT_COLUMNS.split(', ')
        .map((c) => `d.${c}`)
        .join(', ')}
       FROM facet_drift_history d JOIN facet_seals s ON s.seal_id = d.current_seal_id
       WHERE d.tenant = $1
         AND ($2::text IS NULL OR s.image_digest = $2)
         AND ($3::uuid IS NULL OR d.baseline_seal_id = $3 OR d.current_seal_id = $3)
       ORDER BY d.computed_at DESC, d.drift_id LIMIT $4`,
      [tenant, query.imageDigest ?? null, query.sealId ?? null, limit],
    );
    return rows.map((r) => parseRow(DriftRow, r, 'facet_drift_history'));
  });
}
