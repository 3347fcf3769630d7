import type { Sha256Digest } from '../model/digest.ts';
import type { FacetDrift, QuotaViolation } from '../model/drift.ts';
import type { QuotaAction } from '../model/facet.ts';
import type { ResolvedPolicy } from '../model/policy.ts';
import type { FacetSeal } from '../model/seal.ts';
import type { AdmissionPorts, Clock } from './ports.ts';
import type { AdmissionRequest } from './review.ts';

/** Test builders for the decision: plain objects that satisfy the ports, no module mocks. */

export function digest(seed: string): Sha256Digest {
  const hex = Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64);
  return `sha256:${hex}`;
}

export function seal(facetId: string, imageDigest: Sha256Digest): FacetSeal {
  const at = '2026-01-05T10:00:00.000Z';
  return {
    sealId: '550e8400-e29b-41d4-a716-446655440000',
    imageRef: 'registry.example/app:v1',
    imageDigest,
    configDigest: digest('config'),
    manifest: {
      facetId,
      type: 'Custom',
      files: [],
      merkleRoot: digest(`root-${facetId}`),
      fileCount: 0,
      totalBytes: 0,
      extractedAt: at,
      extractorVersion: 'test',
    },
    sealedAt: at,
    sealedBy: 'test',
    appliedQuota: null,
    envelope: { payloadType: 'x', payload: '', signatures: [{ sig: 'AA==' }] },
  };
}

export function drift(
  facetId: string,
  action: QuotaAction | 'Pass',
  violations: Pick<QuotaViolation, 'quotaField' | 'limit' | 'actual'>[] = [
    { quotaField: 'MaxChangedFiles', limit: 20, actual: 31 },
  ],
): FacetDrift {
  const passed = action === 'Pass';
  return {
    facetId,
    baselineSealId: '550e8400-e29b-41d4-a716-446655440001',
    currentSealId: '550e8400-e29b-41d4-a716-446655440002',
    baselineMerkleRoot: digest(`base-${facetId}`),
    currentMerkleRoot: digest(`cur-${facetId}`),
    added: [],
    removed: [],
    modified: [],
    score: { totalChanges: 31, churnPercent: 12.5, addedCount: 31, removedCount: 0, modifiedCount: 0 },
    quotaVerdict: {
      passed,
      violations: passed ? [] : violations.map((v) => ({ ...v, message: `${v.quotaField} exceeded` })),
      recommendedAction: passed ? 'Warn' : action,
    },
  };
}

export function policy(overrides: Partial<ResolvedPolicy> = {}): ResolvedPolicy {
  return {
    tenant: 'acme',
    version: 'v1',
    sources: [],
    quotas: {},
    facets: [],
    noBaseline: 'allow',
    onError: 'deny',
    ...overrides,
  };
}

/** A clock whose timers fire only when the test says so. */
export function manualClock(start = 1_000_000): Clock & { fire(): void; pending(): number } {
  let now = start;
  let timers: { resolve: () => void; at: number }[] = [];
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        const timer = { resolve, at: now + ms };
        timers.push(timer);
        signal.addEventListener('abort', () => {
          timers = timers.filter((t) => t !== timer);
          reject(signal.reason as Error);
        });
      });
    },
    fire() {
      const due = timers;
      timers = [];
      for (const t of due) {
        now = Math.max(now, t.at);
        t.resolve();
      }
    },
    pending: () => timers.length,
  };
}

export const BASE = digest('baseline');
export const CUR = digest('current');

/** Ports for one repository with an approved baseline and a sealed current image. */
export function fakePorts(drifts: FacetDrift[], overrides: Partial<AdmissionPorts> = {}) {
  const calls = {
    resolveDigest: 0,
    computeDrift: 0,
    findSeals: 0,
    findVex: [] as unknown[],
    records: [] as unknown[],
  };
  const ports = {
    clock: manualClock(),
    resolvePolicy: () => policy(),
    resolveDigest: () => {
      calls.resolveDigest += 1;
      return Promise.resolve(CUR);
    },
    findSeals: ({ digest: d }) => {
      calls.findSeals += 1;
      return Promise.resolve([seal('os', d)]);
    },
    latestApprovedBaseline: () => Promise.resolve({ imageDigest: BASE, imageRef: 'registry.example/app:v1' }),
    computeDrift: () => {
      calls.computeDrift += 1;
      return Promise.resolve(drifts);
    },
    findVex: (query) => {
      calls.findVex.push(query);
      return Promise.resolve({ acknowledged: false });
    },
    record: (record) => {
      calls.records.push(record);
      return Promise.resolve();
    },
    ...overrides,
  } satisfies AdmissionPorts;
  return { ports, calls };
}

export const DEFAULTS = { tenant: 'default', onError: 'deny' } as const;

export function podRequest(
  images: string[] | { containers?: string[]; initContainers?: string[]; ephemeralContainers?: string[] },
  overrides: Partial<AdmissionRequest> = {},
): AdmissionRequest {
  const spec = Array.isArray(images) ? { containers: images } : images;
  const list = (names: string[] | undefined, prefix: string) =>
    (names ?? []).map((image, i) => ({ name: `${prefix}${i}`, image }));
  return {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    name: 'web',
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    object: {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        containers: list(spec.containers, 'c'),
        initContainers: list(spec.initContainers, 'init'),
        ephemeralContainers: list(spec.ephemeralContainers, 'debug'),
        serviceAccountName: 'web-sa',
        imagePullSecrets: [{ name: 'regcred' }],
      },
    },
    ...overrides,
  };
}
