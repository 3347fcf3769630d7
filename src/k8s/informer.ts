import { setTimeout as sleep } from 'node:timers/promises';
import {
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { POLICY_GROUP, POLICY_VERSION } from './crd-schema.ts';
import type { PolicyCache, PolicyKind } from './policy-cache.ts';

/**
 * Feeds the PolicyCache from list+watch informers (SPEC §11). `@kubernetes/client-node`'s informer stops
 * on any error but 410 Gone (NOTES.md, Libraries), so each kind runs in a loop: start a fresh informer
 * (a full list), serve its events, and on an error start again after an exponential backoff with jitter;
 * every `resyncMs` it is replaced by a fresh one anyway, so a watch that silently stalled is re-listed.
 * The cache keeps the last good snapshot while an informer restarts.
 */
export interface WatchedInformer {
  onChange(callback: () => void): void;
  onError(callback: (error: unknown) => void): void;
  /** Lists, then watches; resolves once the list is in (or failed: then onError has fired). */
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): readonly unknown[];
}

export type InformerFactory = (kind: PolicyKind) => WatchedInformer;

export interface InformerTiming {
  /** Epoch-free sleep; resolves early (or rejects) when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  readonly random?: () => number;
}

export interface PolicyInformerOptions {
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly resyncMs?: number;
  readonly log?: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
}

/** Real timers. */
export const systemInformerTiming: InformerTiming = {
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

export const INFORMER_DEFAULTS = {
  backoffInitialMs: 1000,
  backoffMaxMs: 60_000,
  resyncMs: 5 * 60_000,
} as const;

/** Exponential, capped, with "equal jitter": half fixed, half random, so replicas do not retry in step. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
) {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

export class PolicyInformer {
  readonly #cache: PolicyCache;
  readonly #factory: InformerFactory;
  readonly #timing: InformerTiming;
  readonly #options: Required<Omit<PolicyInformerOptions, 'log'>> & Pick<PolicyInformerOptions, 'log'>;
  readonly #controller = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #restarts = 0;
  #lastError: unknown;

  constructor(
    cache: PolicyCache,
    factory: InformerFactory,
    timing: InformerTiming,
    options: PolicyInformerOptions = {},
  ) {
    this.#cache = cache;
    this.#factory = factory;
    this.#timing = timing;
    this.#options = { ...INFORMER_DEFAULTS, ...options };
  }

  /** For /readyz: both kinds listed at least once. */
  get synced(): boolean {
    return this.#cache.synced;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  start(): void {
    if (this.#loops.length > 0) return;
    for (const kind of ['FacetPolicy', 'ClusterFacetPolicy'] as const) this.#loops.push(this.#run(kind));
  }

  async stop(): Promise<void> {
    this.#controller.abort(new Error('informer stopped'));
    await Promise.all(this.#loops);
  }

  async #run(kind: PolicyKind): Promise<void> {
    const signal = this.#controller.signal;
    let failures = 0;
    while (!signal.aborted) {
      const informer = this.#factory(kind);
      let live = false;
      let failed: (error: unknown) => void = () => {};
      const failure = new Promise<{ error: unknown }>((resolve) => (failed = (error) => resolve({ error })));
      informer.onError((error) => failed(error ?? new Error(`${kind} watch ended`)));
      informer.onChange(() => {
        if (live) this.#cache.replace(kind, informer.list());
      });
      let outcome: { error: unknown } | undefined;
      try {
        await informer.start();
      } catch (error) {
        failed(error);
      }
      outcome = await Promise.race([failure, Promise.resolve(undefined)]);
      if (outcome === undefined) {
        live = true;
        this.#cache.replace(kind, informer.list());
        failures = 0;
        outcome = await Promise.race([
          failure,
          this.#timing.sleep(this.#options.resyncMs, signal).then(
            () => undefined,
            () => undefined,
          ),
        ]);
      }
      await informer.stop().catch(() => {});
      if (signal.aborted) break;
      this.#restarts += 1;
      if (outcome === undefined) continue; // periodic re-list
      failures += 1;
      this.#lastError = outcome.error;
      const delay = backoffDelay(
        failures,
        this.#options.backoffInitialMs,
        this.#options.backoffMaxMs,
        this.#timing.random,
      );
      this.#options.log?.warn(
        { err: outcome.error, kind, retryInMs: Math.round(delay) },
        'policy informer failed; restarting',
      );
      await this.#timing.sleep(delay, signal).catch(() => {});
    }
  }
}

function adapt(informer: ReturnType<typeof makeInformer<KubernetesObject>>): WatchedInformer {
  return {
    onChange: (callback) => informer.on('change', () => callback()),
    onError: (callback) => informer.on('error', (error) => callback(error)),
    start: () => informer.start(),
    stop: () => informer.stop(),
    list: () => informer.list(),
  };
}

/** The real informers: FacetPolicies in all namespaces, and ClusterFacetPolicies. */
export function kubernetesInformerFactory(kubeConfig: KubeConfig): InformerFactory {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const base = `/apis/${POLICY_GROUP}/${POLICY_VERSION}`;
  return (kind) =>
    kind === 'FacetPolicy'
      ? adapt(
          makeInformer<KubernetesObject>(
            kubeConfig,
            `${base}/facetpolicies`,
            () =>
              api.listCustomObjectForAllNamespaces({
                group: POLICY_GROUP,
                version: POLICY_VERSION,
                resourcePlural: 'facetpolicies',
              }) as never,
          ),
        )
      : adapt(
          makeInformer<KubernetesObject>(
            kubeConfig,
            `${base}/clusterfacetpolicies`,
            () =>
              api.listClusterCustomObject({
                group: POLICY_GROUP,
                version: POLICY_VERSION,
                plural: 'clusterfacetpolicies',
              }) as never,
          ),
        );
}
