import type { Tracer } from '@opentelemetry/api';
import type { Sha256Digest } from '../model/digest.ts';
import type { FacetDrift } from '../model/drift.ts';
import type { ResolvedPolicy } from '../model/policy.ts';
import type { FacetSeal } from '../model/seal.ts';
import type { ImageName } from './image-name.ts';
import type { ImageEvaluation } from './outcome.ts';
import type { AdmissionRecord } from './record.ts';

/**
 * What the decision needs from the outside, as small interfaces (STYLE.md "ports"). Every call gets the
 * request's AbortSignal, aborted at the internal deadline; a port that ignores it only wastes work, the
 * decision does not wait for it.
 */

/** Where to read pull secrets: the pod's `imagePullSecrets` and its ServiceAccount's, in its namespace. */
export interface PullContext {
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly imagePullSecrets: readonly string[];
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects (or never resolves) once `signal` is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface PolicyQuery {
  readonly namespace: string;
  /** `registry/repository` (ImageName.repositoryName). */
  readonly repository: string;
  readonly image: string;
}

export interface SealLookup {
  readonly tenant: string;
  readonly digest: Sha256Digest;
  /** SPEC §3: seals are matched by manifest digest, then by config digest. */
  readonly by: 'image' | 'config';
}

export interface ApprovedBaseline {
  readonly imageDigest: Sha256Digest;
  readonly imageRef: string;
}

export interface VexQuery {
  readonly tenant: string;
  readonly imageDigest: Sha256Digest;
  readonly facetId: string;
  readonly baselineRoot: Sha256Digest;
  readonly currentRoot: Sha256Digest;
}

/** A signed, trusted OpenVEX statement bound to exactly this drift (SPEC §12), or why none counts. */
export type VexCheck =
  | { readonly acknowledged: true; readonly documentId: string }
  | { readonly acknowledged: false; readonly reason?: string };

export interface ExtractionRequest {
  readonly image: ImageName;
  readonly imageDigest: Sha256Digest;
  readonly tenant: string;
  readonly policy: ResolvedPolicy;
  readonly pull: PullContext;
  /** Epoch milliseconds; the extraction must give up by then. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** False on dry runs: evaluate, never write (`sideEffects: NoneOnDryRun`). */
  readonly persist: boolean;
}

/** The subset of pino's logger the decision uses. */
export interface AdmissionLogger {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The decision cache as the decision sees it (src/admission/decision-cache.ts implements it). */
export interface DecisionKey {
  readonly tenant: string;
  readonly baselineDigest: Sha256Digest;
  readonly currentDigest: Sha256Digest;
  readonly policyVersion: string;
}

export interface DecisionCachePort {
  get(key: DecisionKey): ImageEvaluation | undefined;
  set(key: DecisionKey, value: ImageEvaluation): void;
}

/** Runs one task per key at a time; concurrent callers share it (src/admission/single-flight.ts). */
export interface SingleFlightPort<T> {
  run(key: string, task: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
}

export interface AdmissionPorts {
  readonly clock: Clock;
  resolvePolicy(query: PolicyQuery): ResolvedPolicy | Promise<ResolvedPolicy>;
  /**
   * The digest of the image manifest the kubelet will run (SPEC §3 `imageDigest`): a tag resolved with a
   * registry `HEAD` and the pod's pull credentials; an index (multi-platform) digest mapped to the
   * configured platform's manifest. Called for digest references too, which may name an index.
   */
  resolveDigest(image: ImageName, pull: PullContext, signal: AbortSignal): Promise<Sha256Digest>;
  /** The config digest of a manifest, to find seals made from a `docker save` (SPEC §3). Optional. */
  resolveConfigDigest?(
    image: ImageName,
    imageDigest: Sha256Digest,
    pull: PullContext,
    signal: AbortSignal,
  ): Promise<Sha256Digest | null>;
  findSeals(lookup: SealLookup, signal: AbortSignal): Promise<readonly FacetSeal[]>;
  latestApprovedBaseline(
    query: { readonly tenant: string; readonly repository: string },
    signal: AbortSignal,
  ): Promise<ApprovedBaseline | null>;
  /** Drift per facet with each facet's quota verdict (src/drift + src/quota). */
  computeDrift(
    baseline: readonly FacetSeal[],
    current: readonly FacetSeal[],
    policy: ResolvedPolicy,
    signal: AbortSignal,
  ): Promise<readonly FacetDrift[]>;
  findVex(query: VexQuery, signal: AbortSignal): Promise<VexCheck>;
  /** Seals an unsealed image inside the webhook; absent = sealing happens in CI only. */
  readonly extractOnMiss?: (request: ExtractionRequest) => Promise<readonly FacetSeal[]>;
  /** One in-process extraction per digest; required with `extractOnMiss`. */
  readonly extractions?: SingleFlightPort<readonly FacetSeal[]>;
  /** The cross-replica advisory lock (store); resolves to its release. */
  lockExtraction?(digest: Sha256Digest, signal: AbortSignal): Promise<() => Promise<void>>;
  readonly cache?: DecisionCachePort;
  /** Writes drift history and the audit log; never called for dry runs. */
  readonly record?: (record: AdmissionRecord, signal: AbortSignal) => Promise<void>;
  readonly tracer?: Tracer;
  readonly log?: AdmissionLogger;
}
