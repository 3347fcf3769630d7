import { randomUUID } from 'node:crypto';
import type { DsseEnvelope } from '../model/seal.ts';
import type { VexRecord } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { canonicalJson } from '../seal/canonical.ts';
import { verifyEnvelope } from '../seal/dsse.ts';
import { SealError } from '../seal/errors.ts';
import type { TrustStore } from '../seal/trust.ts';
import { appendAudit, recordAudit } from './audit.ts';
import { notifyCacheInvalidation } from './cache-notice.ts';
import { StoreError } from './errors.ts';
import { parseRow, VEX_COLUMNS, VexRow } from './rows.ts';
import type { Actor, Store } from './store.ts';
import { readTrustedKeys, trustStoreOf } from './trusted-keys.ts';

export interface VexSubmission {
  readonly imageDigest: string;
  /** The facet whose drift the document acknowledges; absent for a document about the whole image. */
  readonly facetId?: string | undefined;
  /** The DSSE envelope whose payload is the OpenVEX document. */
  readonly envelope: DsseEnvelope;
  /** The document, when sent beside the envelope: it must be exactly the signed one. */
  readonly document?: Record<string, unknown> | undefined;
}

const OPENVEX_CONTEXT = /^https:\/\/openvex\.dev\/ns(\/v[0-9.]+)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Stores a signed OpenVEX document for an image digest (SPEC §12). The envelope must verify with a key
 * of the tenant's keyring, and only its verified payload is stored as the document; a document sent
 * beside it must be the same JSON. A refusal writes a `vex.reject` audit row and stores nothing.
 */
export async function submitVex(
  store: Store,
  tenant: Tenant,
  submission: VexSubmission,
  by: Actor,
  options: { trust?: TrustStore } = {},
): Promise<VexRecord> {
  const trust =
    options.trust ?? trustStoreOf(await store.db.withTenant(tenant, (sql) => readTrustedKeys(sql, tenant)));
  let document: Record<string, unknown>;
  try {
    document = signedDocument(submission, trust);
  } catch (error) {
    if (!(error instanceof SealError || error instanceof StoreError)) throw error;
    await recordAudit(store.db, tenant, 'vex.reject', by, {
      imageDigest: submission.imageDigest,
      facetId: submission.facetId ?? null,
      code: error.code,
      reason: error.message,
    });
    throw error;
  }
  return store.db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `INSERT INTO facet_vex_statements (statement_id, tenant, image_digest, facet_id, document, dsse_envelope,
         submitted_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) RETURNING ${VEX_COLUMNS}`,
      [
        randomUUID(),
        tenant,
        submission.imageDigest,
        submission.facetId ?? null,
        JSON.stringify(document),
        JSON.stringify(submission.envelope),
        by.actor,
        by.correlationId,
      ],
    );
    const record = parseRow(VexRow, rows[0]!, 'facet_vex_statements');
    await appendAudit(sql, tenant, 'vex.submit', by, {
      statementId: record.statementId,
      imageDigest: record.imageDigest,
      facetId: record.facetId,
      documentId: typeof document['@id'] === 'string' ? document['@id'] : null,
    });
    // Webhook replicas drop cached verdicts for this image (src/admission/decision-cache.ts); delivered on
    // commit only.
    await notifyCacheInvalidation(sql, { kind: 'vex', tenant, imageDigest: record.imageDigest });
    return record;
  });
}

function signedDocument(submission: VexSubmission, trust: TrustStore): Record<string, unknown> {
  const verified = verifyEnvelope(submission.envelope, trust.allKeys());
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(verified.payload));
  } catch (cause) {
    throw new StoreError('VEX_INVALID', 'the signed payload is not UTF-8 JSON', { cause });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new StoreError('VEX_INVALID', 'the signed payload is not a JSON object');
  const document = payload as Record<string, unknown>;
  const context = document['@context'];
  if (typeof context !== 'string' || !OPENVEX_CONTEXT.test(context) || !Array.isArray(document.statements))
    throw new StoreError(
      'VEX_INVALID',
      'the signed payload is not an OpenVEX document (@context, statements)',
    );
  if (submission.document !== undefined && canonicalJson(submission.document) !== canonicalJson(document))
    throw new StoreError(
      'VEX_PAYLOAD_MISMATCH',
      'the document sent differs from the signed payload of the envelope',
    );
  return document;
}

export interface VexQuery {
  readonly imageDigest?: string | undefined;
  readonly facetId?: string | undefined;
  readonly limit?: number | undefined;
}

export function listVex(store: Store, tenant: Tenant, query: VexQuery = {}): Promise<VexRecord[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return store.db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `SELECT ${VEX_COLUMNS} FROM facet_vex_statements
       WHERE tenant = $1 AND ($2::text IS NULL OR image_digest = $2) AND ($3::text IS NULL OR facet_id = $3)
       ORDER BY submitted_at DESC, statement_id LIMIT $4`,
      [tenant, query.imageDigest ?? null, query.facetId ?? null, limit],
    );
    return rows.map((r) => parseRow(VexRow, r, 'facet_vex_statements'));
  });
}
