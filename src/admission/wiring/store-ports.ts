import type { FacetDrift } from '../../model/drift.ts';
import { Tenant } from '../../model/tenant.ts';
import type { TrustStore } from '../../seal/index.ts';
import { recordAudit } from '../../store/audit.ts';
import { latestApproval } from '../../store/baselines.ts';
import { recordDrift } from '../../store/drift-history.ts';
import { loadSealSetByConfigDigest, loadSealSetByDigest } from '../../store/seal-sets.ts';
import type { Store } from '../../store/store.ts';
import { readTrustedKeys, trustStoreOf } from '../../store/trusted-keys.ts';
import { listVex } from '../../store/vex.ts';
import { verifyVexForAdmission } from '../../vex/verify.ts';
import { AdmissionError } from '../errors.ts';
import type { AdmissionPorts, VexCheck } from '../ports.ts';
import type { AdmissionRecord, RecordedImage } from '../record.ts';

/** The store-backed ports of the decision (SPEC §8, §11, §12): every call tenant-scoped. */
export type StorePorts = Required<
  Pick<AdmissionPorts, 'findSeals' | 'latestApprovedBaseline' | 'findVex' | 'lockExtraction' | 'record'>
>;

export interface StorePortsOptions {
  /** The actor recorded in the audit log. */
  readonly actor?: string;
  /** The tenant's trusted keys for VEX signatures; default: the keyring in the store. */
  readonly trust?: (tenant: Tenant) => Promise<TrustStore>;
}

function tenantOf(name: string): Tenant {
  const parsed = Tenant.safeParse(name);
  if (!parsed.success) throw new AdmissionError('ADMISSION_INTERNAL', `"${name}" is not a valid tenant name`);
  return parsed.data;
}

/** The audit action of a webhook decision (the store writes `drift.record` rows of its own). */
export const ADMISSION_AUDIT_ACTION = 'admission.decision';

export function storeAdmissionPorts(store: Store, options: StorePortsOptions = {}): StorePorts {
  const actor = options.actor ?? 'zastava-webhook';
  const trust =
    options.trust ??
    (async (tenant: Tenant) =>
      trustStoreOf(await store.db.withTenant(tenant, (sql) => readTrustedKeys(sql, tenant))));
  return {
    async findSeals({ tenant, digest, by }) {
      const t = tenantOf(tenant);
      const set =
        by === 'image'
          ? await loadSealSetByDigest(store, t, digest)
          : await loadSealSetByConfigDigest(store, t, digest);
      return set?.seals ?? [];
    },

    async latestApprovedBaseline({ tenant, repository }) {
      const approval = await latestApproval(store, tenantOf(tenant), repository);
      return approval === undefined
        ? null
        : { imageDigest: approval.imageDigest, imageRef: `${repository}@${approval.imageDigest}` };
    },

    async findVex(query): Promise<VexCheck> {
      const tenant = tenantOf(query.tenant);
      const records = await listVex(store, tenant, { imageDigest: query.imageDigest });
      if (records.length === 0) return { acknowledged: false, reason: 'no VEX submitted for this image' };
      const keys = await trust(tenant);
      let reason = '';
      for (const record of records) {
        const verdict = verifyVexForAdmission(record.envelope, keys, query);
        if (verdict.acknowledged) return { acknowledged: true, documentId: record.statementId };
        reason ||= `${verdict.code}: ${verdict.reason}`;
      }
      return { acknowledged: false, reason };
    },

    lockExtraction: (digest, signal) => store.db.advisoryLock(`zastava.extract:${digest}`, signal),

    async record(record) {
      const by = { actor, correlationId: record.correlationId };
      const byTenant = new Map<string, RecordedImage[]>();
      for (const image of record.images)
        byTenant.set(image.tenant, [...(byTenant.get(image.tenant) ?? []), image]);
      for (const [name, images] of byTenant) {
        const tenant = tenantOf(name);
        for (const image of images) {
          const drifts: FacetDrift[] = image.facets.map((f) => ({
            ...f.drift,
            added: [],
            removed: [],
            modified: [],
          }));
          if (drifts.length > 0) {
            await recordDrift(store, tenant, drifts, by, { imageRef: image.image, decision: image.decision });
          }
        }
        await recordAudit(store.db, tenant, ADMISSION_AUDIT_ACTION, by, auditDetails(record, images));
      }
    },
  };
}

/** What the audit row says: the decision and per image its outcome, never file lists. */
export function auditDetails(
  record: AdmissionRecord,
  images: readonly RecordedImage[],
): Record<string, unknown> {
  return {
    operation: record.operation,
    user: record.user ?? null,
    namespace: record.namespace,
    workload: record.workload,
    allowed: record.allowed,
    message: record.message ?? null,
    images: images.map((i) => ({
      image: i.image,
      imageDigest: i.imageDigest ?? null,
      baselineDigest: i.baselineDigest ?? null,
      decision: i.decision,
      allowed: i.allowed,
      policySources: i.policySources,
      facets: i.facets.map((f) => ({ facetId: f.facetId, decision: f.decision, score: f.drift.score })),
      ...(i.error === undefined ? {} : { error: i.error }),
    })),
  };
}
