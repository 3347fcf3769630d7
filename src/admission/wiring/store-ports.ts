import { NO_SEAL_ID } from '../../drift/report.ts';
import type { FacetDrift } from '../../model/drift.ts';
import { Tenant } from '../../model/tenant.ts';
import type { TrustStore } from '../../seal/index.ts';
import { recordAudit } from '../../store/audit.ts';
import { latestApprovalIn } from '../../store/baselines.ts';
import { recordDrift } from '../../store/drift-history.ts';
import { loadSealSetByConfigDigest, loadSealSetByDigest } from '../../store/seal-sets.ts';
import type { Store } from '../../store/store.ts';
import { readTrustedKeys, trustStoreOf } from '../../store/trusted-keys.ts';
import { listVex } from '../../store/vex.ts';
import { verifyVexForAdmission } from '../../vex/verify.ts';
import { Batcher } from '../batch.ts';
import type { BaselineCache } from '../baseline-cache.ts';
import { AdmissionError } from '../errors.ts';
import type { AdmissionPorts, ApprovedBaseline, VexCheck } from '../ports.ts';
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
  /** Seal pairs whose drift row id is remembered (default 10,000). */
  readonly rememberedDrifts?: number;
  /**
   * Latest approvals kept in memory, invalidated by the approvals' NOTIFY (src/admission/baseline-cache.ts);
   * absent: every lookup reads the database.
   */
  readonly baselines?: BaselineCache | undefined;
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
  // The baselines asked in one turn (the images of a review, reviews arriving together) are read in one
  // transaction, one indexed query per repository, instead of a transaction each.
  const approvals = new Batcher<ApprovedBaseline | null>((tenant, repositories) =>
    store.db.withTenant(tenantOf(tenant), async (sql) => {
      const found = new Map<string, ApprovedBaseline | null>();
      for (const repository of repositories) {
        const approval = await latestApprovalIn(sql, tenantOf(tenant), repository);
        found.set(
          repository,
          approval === undefined
            ? null
            : { imageDigest: approval.imageDigest, imageRef: `${repository}@${approval.imageDigest}` },
        );
      }
      return found;
    }),
  );
  const drifts = new DriftRows(options.rememberedDrifts ?? 10_000);
  const baselines = options.baselines;
  return {
    async findSeals({ tenant, digest, by }) {
      const t = tenantOf(tenant);
      const set =
        by === 'image'
          ? await loadSealSetByDigest(store, t, digest)
          : await loadSealSetByConfigDigest(store, t, digest);
      return set?.seals ?? [];
    },

    latestApprovedBaseline: ({ tenant, repository }, signal) =>
      baselines === undefined
        ? approvals.get(tenant, repository, signal)
        : baselines.lookup(tenant, repository, () => approvals.get(tenant, repository, signal)),

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
        const driftIds = new Map<RecordedImage, readonly string[]>();
        for (const image of images) {
          const facetDrifts: FacetDrift[] = image.facets.map((f) => ({
            ...f.drift,
            added: [],
            removed: [],
            modified: [],
          }));
          if (facetDrifts.length === 0) continue;
          // facet_drift_history keeps one row per seal pair (the first): once this process has recorded
          // a pair, a later decision on it only names the row in its audit entry.
          const known = drifts.idsOf(tenant, facetDrifts);
          if (known !== undefined) {
            driftIds.set(image, known);
            continue;
          }
          const recorded = await recordDrift(store, tenant, facetDrifts, by, {
            imageRef: image.image,
            decision: image.decision,
          });
          drifts.remember(tenant, facetDrifts, recorded.driftIds);
          driftIds.set(image, recorded.driftIds);
        }
        await recordAudit(
          store.db,
          tenant,
          ADMISSION_AUDIT_ACTION,
          by,
          auditDetails(record, images, driftIds),
        );
      }
    },
  };
}

const recordable = (d: FacetDrift) => d.baselineSealId !== NO_SEAL_ID && d.currentSealId !== NO_SEAL_ID;

/** The drift row id of each seal pair this process recorded (rows are immutable), least recent out. */
class DriftRows {
  readonly #ids = new Map<string, string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  #key(tenant: string, d: FacetDrift): string {
    return `${tenant}\u0000${d.baselineSealId}\u0000${d.currentSealId}`;
  }

  /** The row ids of every recordable drift, in order, or undefined when one of them is not known. */
  idsOf(tenant: string, drifts: readonly FacetDrift[]): string[] | undefined {
    const ids: string[] = [];
    for (const d of drifts.filter(recordable)) {
      const id = this.#ids.get(this.#key(tenant, d));
      if (id === undefined) return undefined;
      ids.push(id);
    }
    return ids;
  }

  /** `ids`: recordDrift's answer, one per recordable drift in input order. */
  remember(tenant: string, drifts: readonly FacetDrift[], ids: readonly string[]): void {
    const pairs = drifts.filter(recordable);
    if (pairs.length !== ids.length) return;
    pairs.forEach((d, i) => {
      const key = this.#key(tenant, d);
      this.#ids.delete(key);
      this.#ids.set(key, ids[i]!);
    });
    for (const oldest of this.#ids.keys()) {
      if (this.#ids.size <= this.#max) break;
      this.#ids.delete(oldest);
    }
  }
}

/** What the audit row says: the decision and per image its outcome, never file lists. */
export function auditDetails(
  record: AdmissionRecord,
  images: readonly RecordedImage[],
  driftIds: ReadonlyMap<RecordedImage, readonly string[]> = new Map(),
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
      ...(driftIds.has(i) ? { driftIds: driftIds.get(i) } : {}),
      ...(i.error === undefined ? {} : { error: i.error }),
    })),
  };
}
