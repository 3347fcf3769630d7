import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import { createLayerPool, type LayerPool } from '../../extract/index.ts';
import { formatReference } from '../../image/reference.ts';
import type { RegistryOptions } from '../../image/registry/index.ts';
import type { FacetDefinition } from '../../model/facet.ts';
import type { FacetSeal } from '../../model/seal.ts';
import { Tenant } from '../../model/tenant.ts';
import { effectiveFacets } from '../../quota/policy.ts';
import { readImage, sealRead } from '../../seal/seal-image.ts';
import type { Signer } from '../../seal/signer.ts';
import { loadSealSetByDigest, storeSealSet } from '../../store/seal-sets.ts';
import type { Store } from '../../store/store.ts';
import { listTrustedKeys, trustStoreOf } from '../../store/trusted-keys.ts';
import type { FacetMetrics } from '../../telemetry/metrics.ts';
import { AdmissionError } from '../errors.ts';
import type { AdmissionPorts, ExtractionRequest } from '../ports.ts';
import { SingleFlight } from '../single-flight.ts';
import {
  BACKOFF_DEFAULTS,
  backsOff,
  ExtractionBackoff,
  type FailedExtraction,
} from './extraction-backoff.ts';
import {
  createExtractionMetrics,
  type ExtractionMetrics,
  type ExtractionOutcome,
} from './extraction-metrics.ts';
import { ExtractionSlots } from './extraction-slots.ts';
import type { RegistryPortsOptions } from './registry-ports.ts';

/**
 * Extraction on a miss (SPEC §11, issue 6): the webhook reads an image that has no seals from its
 * registry with the pod's pull credentials, seals it with the server's key under the facet definitions in
 * force (the server's, with the policy's overrides), stores the seals (not on a dry run) and hands them
 * to the decision.
 *
 * - One extraction per (tenant, digest): in process (a job table, which the decision's single flight
 *   sits in front of) and across replicas (a PostgreSQL advisory lock on the pair; a replica that waited
 *   for it finds the seals the other stored and reads nothing).
 * - Bounded: at most `maxConcurrent` extractions run and `maxQueued` wait; a slot is taken before the
 *   lock, so extractions hold at most `maxConcurrent` database connections.
 * - Deadline: the request stops waiting at its own deadline and gets its `onError` decision (the
 *   decision races every image against it). A storing extraction is NOT cancelled then: it finishes in the
 *   background (up to `backgroundTimeoutMs`) so that the next admission of the image (the controller's
 *   retry) finds its seals. A dry run's extraction writes nothing, so it is cancelled once no request
 *   waits for it any more (docs/decisions.md "Webhook: extraction on a miss").
 * - Negative cache: after a failed read (registry, digest, image or sealing error — not an abort, not a
 *   refusal, not a store error, not a credential error), misses of the (tenant, digest) get ADMISSION_EXTRACTION_BACKOFF at once
 *   until the backoff (`backoffMs`, doubled per failure in a row up to `backoffMaxMs`) has passed; a
 *   success clears it (./extraction-backoff.ts).
 * - Layer worker threads are created on the first extraction and reused by every later one.
 */
export interface ExtractOnMissOptions {
  readonly store: Store;
  /** The server's seal key (`stella serve --seal-key`); the tenant's keyring must trust it. */
  readonly signer: Signer;
  /** The server's facet definitions; a policy's `facets` override or extend them per image. */
  readonly facets: readonly FacetDefinition[];
  /** The webhook's registry settings (platform, insecure hosts, CA); `creds` come from `credentials`. */
  readonly registry: Omit<RegistryOptions, 'creds'>;
  /** The pod's pull credentials, as digest resolution reads them. */
  readonly credentials: RegistryPortsOptions['credentials'];
  readonly log: ExtractionLogger;
  /** The registry of /metrics, and the seed's seal metrics to count the seals made here. */
  readonly metrics?: Pick<FacetMetrics, 'registry' | 'sealTotal' | 'sealDuration'>;
  /** Extractions running at once (default 1). */
  readonly maxConcurrent?: number;
  /** Extractions waiting for a slot (default 16); beyond that a miss is refused at once. */
  readonly maxQueued?: number;
  /** How long a storing extraction may run, in the background after its request gave up (default 300 s). */
  readonly backgroundTimeoutMs?: number;
  /** The wait after a failed extraction before the digest is read again (default 30 s; 0: off). */
  readonly backoffMs?: number;
  /** The longest such wait, reached by doubling per failure in a row (default 15 min). */
  readonly backoffMaxMs?: number;
  /** Failed (tenant, digest) pairs remembered (default 10 000). */
  readonly backoffEntries?: number;
  /** Layer worker threads (default: one per two cores). */
  readonly workers?: number;
  /** `sealedBy` of the seals (default `zastava-webhook`); also the audit log's actor. */
  readonly sealedBy?: string;
  /** `facet.hash` and `facet.seal` spans (the decision's `facet.extract` span encloses them). */
  readonly tracer?: Tracer | undefined;
  readonly now?: () => Date;
}

export interface ExtractionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ExtractOnMiss {
  readonly ports: Required<Pick<AdmissionPorts, 'extractOnMiss' | 'extractions'>>;
  readonly keyId: string;
  /** Extractions running and waiting now. */
  readonly running: number;
  readonly queued: number;
  /** Whether `tenant`'s keyring trusts the server key now. */
  keyTrusted(tenant: string): Promise<boolean>;
  /** Aborts every extraction, waits for them to end and stops the layer workers. */
  close(): Promise<void>;
}

interface Job {
  readonly promise: Promise<readonly FacetSeal[]>;
  readonly controller: AbortController;
}

const DEFAULTS = { maxConcurrent: 1, maxQueued: 16, backgroundTimeoutMs: 300_000 } as const;

export function createExtractOnMiss(options: ExtractOnMissOptions): ExtractOnMiss {
  const { store, signer, log } = options;
  const sealedBy = options.sealedBy ?? 'zastava-webhook';
  const now = options.now ?? (() => new Date());
  const slots = new ExtractionSlots(
    options.maxConcurrent ?? DEFAULTS.maxConcurrent,
    options.maxQueued ?? DEFAULTS.maxQueued,
  );
  const metrics: ExtractionMetrics | undefined =
    options.metrics === undefined
      ? undefined
      : createExtractionMetrics(options.metrics.registry, () => ({
          running: slots.running,
          queued: slots.queued,
        }));
  const backoff = new ExtractionBackoff({
    baseMs: options.backoffMs ?? BACKOFF_DEFAULTS.baseMs,
    maxMs: Math.max(options.backoffMaxMs ?? BACKOFF_DEFAULTS.maxMs, options.backoffMs ?? 0),
    maxEntries: options.backoffEntries ?? BACKOFF_DEFAULTS.maxEntries,
    now: () => now().getTime(),
  });
  const jobs = new Map<string, Job>();
  let pool: LayerPool | undefined;
  let closed = false;

  async function keyTrusted(tenant: string): Promise<boolean> {
    const keys = await listTrustedKeys(store.db, Tenant.parse(tenant));
    const mine = keys.filter((k) => k.keyId === signer.keyId);
    return trustStoreOf(mine).keysAt(now().toISOString()).length > 0;
  }

  async function extract(request: ExtractionRequest, signal: AbortSignal): Promise<readonly FacetSeal[]> {
    const started = performance.now();
    const tenant = Tenant.parse(request.tenant);
    const { imageDigest } = request;
    const pinned = formatReference({ ...request.image.reference, tag: undefined, digest: imageDigest });
    const fields: Record<string, unknown> = {
      extractionId: randomUUID(),
      tenant,
      imageRef: pinned,
      imageDigest,
      dryRun: !request.persist,
    };
    let outcome: ExtractionOutcome = 'failed';
    // Only a failure while reading and sealing the image backs off: not one of the lock or the store.
    let reading = false;
    try {
      const releaseSlot = await slots.acquire(signal);
      try {
        const unlock = await store.db.advisoryLock(`zastava.extract:${tenant}:${imageDigest}`, signal);
        try {
          fields.waitedMs = Math.round(performance.now() - started);
          // Stored while this one waited: by the replica that held the lock, or by CI.
          const stored = await loadSealSetByDigest(store, tenant, imageDigest);
          if (stored !== undefined) {
            outcome = 'found';
            return stored.seals;
          }
          if (!(await keyTrusted(tenant))) {
            throw new AdmissionError(
              'ADMISSION_SEAL_KEY_UNTRUSTED',
              `no seals for ${pinned}, and tenant ${tenant} does not trust the webhook's seal key ${signer.keyId}, so nothing was extracted`,
              { hint: `trust it: stella db keys add SEAL_KEY.pub --tenant ${tenant} (or seal in CI)` },
            );
          }
          const facets = effectiveFacets(options.facets, request.policy);
          reading = true;
          const creds = await options.credentials(
            request.pull,
            request.image.registry,
            request.image.repository,
          );
          const read = await readImage(pinned, {
            facets,
            open: { registry: creds === undefined ? options.registry : { ...options.registry, creds } },
            sealedBy,
            now,
            signal,
            pool: (pool ??= createLayerPool(options.workers)),
            tracer: options.tracer,
          });
          signal.throwIfAborted();
          const { sealSet } = await sealRead(read, signer, {
            facets,
            sealedBy,
            now,
            tracer: options.tracer,
          });
          reading = false;
          const sealed = performance.now();
          fields.facets = sealSet.seals.length;
          fields.files = read.manifests.reduce((n, m) => n + m.fileCount, 0);
          fields.bytes = read.manifests.reduce((n, m) => n + m.totalBytes, 0);
          if (request.persist) {
            signal.throwIfAborted();
            const by = { actor: sealedBy, correlationId: String(fields.extractionId) };
            try {
              const result = await storeSealSet(store, tenant, sealSet, by);
              fields.stored = result.stored.length;
              countSeals(sealSet.seals, tenant, (s) =>
                result.stored.includes(s.sealId) ? 'stored' : 'already_stored',
              );
            } catch (error) {
              countSeals(sealSet.seals, tenant, () => 'rejected');
              throw error;
            }
          }
          for (const seal of sealSet.seals)
            options.metrics?.sealDuration.observe(
              { facet_type: seal.manifest.type },
              (sealed - started) / 1000,
            );
          outcome = 'extracted';
          return sealSet.seals;
        } finally {
          await unlock();
        }
      } finally {
        releaseSlot();
      }
    } catch (error) {
      outcome = signal.aborted
        ? 'aborted'
        : error instanceof AdmissionError &&
            (error.code === 'ADMISSION_EXTRACTION_BUSY' || error.code === 'ADMISSION_SEAL_KEY_UNTRUSTED')
          ? 'refused'
          : 'failed';
      const code = (error as { code?: unknown }).code;
      fields.code = typeof code === 'string' ? code : 'ADMISSION_INTERNAL';
      fields.error = error instanceof Error ? error.message : String(error);
      if (outcome === 'failed' && reading && backsOff(String(fields.code))) {
        const failure = backoff.failed(backoffKey(request), String(fields.code));
        if (failure !== undefined) {
          fields.failures = failure.failures;
          fields.retryAt = new Date(failure.retryAt).toISOString();
        }
      }
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      if (outcome === 'extracted' || outcome === 'found') backoff.succeeded(backoffKey(request));
      fields.outcome = outcome;
      fields.durationMs = Math.round(seconds * 1000);
      metrics?.total.inc({ tenant, outcome });
      metrics?.duration.observe({ outcome }, seconds);
      if (outcome === 'failed') log.warn(fields, 'webhook extraction failed');
      else log.info(fields, `webhook extraction ${outcome}`);
    }
  }

  function countSeals(
    seals: readonly FacetSeal[],
    tenant: string,
    status: (seal: FacetSeal) => 'stored' | 'already_stored' | 'rejected',
  ): void {
    for (const seal of seals)
      options.metrics?.sealTotal.inc({ tenant, facet_type: seal.manifest.type, status: status(seal) });
  }

  function start(key: string, request: ExtractionRequest): Job {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    if (request.persist) {
      // Detached from the request: it ends by itself, at the background limit, or at close().
      const limit = options.backgroundTimeoutMs ?? DEFAULTS.backgroundTimeoutMs;
      timer = setTimeout(
        () =>
          controller.abort(
            new AdmissionError(
              'ADMISSION_DEADLINE_EXCEEDED',
              `extraction of ${request.image.repositoryName}@${request.imageDigest} ran past ${limit} ms`,
            ),
          ),
        limit,
      );
      timer.unref();
    } else {
      // A dry run's result is only for the requests waiting on it (the decision's single flight aborts
      // this signal once none is left).
      if (request.signal.aborted) controller.abort(request.signal.reason);
      else
        request.signal.addEventListener('abort', () => controller.abort(request.signal.reason), {
          once: true,
        });
    }
    const job: Job = {
      controller,
      promise: extract(request, controller.signal).finally(() => {
        clearTimeout(timer);
        if (jobs.get(key) === job) jobs.delete(key);
      }),
    };
    job.promise.catch(() => {}); // a detached job's failure is logged by extract(); waiters get it too
    jobs.set(key, job);
    return job;
  }

  const extractOnMiss = (request: ExtractionRequest): Promise<readonly FacetSeal[]> => {
    if (closed) return Promise.reject(new AdmissionError('ADMISSION_INTERNAL', 'the webhook is stopping'));
    const base = `${request.tenant}\u0000${request.imageDigest}`;
    // A storing job serves a dry run as well (its seals are the same); a dry run never serves a store.
    const storing = jobs.get(`${base}\u0000store`);
    const key = `${base}\u0000${request.persist ? 'store' : 'dry'}`;
    const existing = storing ?? jobs.get(key);
    if (existing !== undefined && !existing.controller.signal.aborted)
      return untilAborted(existing.promise, request.signal);
    const failure = backoff.holding(backoffKey(request));
    if (failure !== undefined) {
      metrics?.total.inc({ tenant: request.tenant, outcome: 'backoff' });
      return Promise.reject(backoffError(request, failure));
    }
    return untilAborted(start(key, request).promise, request.signal);
  };

  return {
    ports: { extractOnMiss, extractions: new SingleFlight<readonly FacetSeal[]>() },
    keyId: signer.keyId,
    get running() {
      return slots.running;
    },
    get queued() {
      return slots.queued;
    },
    keyTrusted,
    async close() {
      closed = true;
      const pending = [...jobs.values()];
      for (const job of pending) job.controller.abort(new Error('the webhook is stopping'));
      await Promise.allSettled(pending.map((j) => j.promise));
      await pool?.close();
      pool = undefined;
    },
  };
}

function backoffKey(request: ExtractionRequest): string {
  return `${request.tenant}\u0000${request.imageDigest}`;
}

function backoffError(request: ExtractionRequest, failure: FailedExtraction): AdmissionError {
  const at = (ms: number) => new Date(ms).toISOString();
  const times = failure.failures === 1 ? 'once' : `${failure.failures} times in a row`;
  return new AdmissionError(
    'ADMISSION_EXTRACTION_BACKOFF',
    `no seals for ${request.image.repositoryName}@${request.imageDigest}; its last extraction in the webhook ` +
      `failed at ${at(failure.failedAt)} with ${failure.code} (${times}), so it is not read again before ` +
      `${at(failure.retryAt)}`,
    { hint: 'fix the cause (see the webhook log), or seal it in CI: stella seal IMAGE --push' },
  );
}

/** `promise`, or the signal's reason as soon as it aborts (the promise keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on unchanged
        reject(error);
      },
    );
  });
}
