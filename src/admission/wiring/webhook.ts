import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pullCredentials, policyPort } from '../../k8s/admission-ports.ts';
import { kubernetesInformerFactory, PolicyInformer, systemInformerTiming } from '../../k8s/informer.ts';
import { PolicyCache } from '../../k8s/policy-cache.ts';
import type { PolicyDefaults } from '../../k8s/policy-resolve.ts';
import { cachedSecretReader, kubernetesSecretReader } from '../../k8s/pull-secrets.ts';
import type { Store } from '../../store/store.ts';
import type { FacetMetrics } from '../../telemetry/metrics.ts';
import { createTracer } from '../../telemetry/tracing.ts';
import { BaselineCache, DEFAULT_BASELINE_CACHE } from '../baseline-cache.ts';
import { systemClock } from '../deadline.ts';
import { DecisionCache } from '../decision-cache.ts';
import type { ValidateContext } from '../handle.ts';
import type { AdmissionPorts } from '../ports.ts';
import { listenForCacheInvalidation, type CacheListener } from './cache-listener.ts';
import { registerCacheMetrics } from './cache-metrics.ts';
import { computeDriftFromSeals } from './drift-port.ts';
import { createExtractOnMiss, type ExtractOnMiss, type ExtractOnMissOptions } from './extract-on-miss.ts';
import { registryAdmissionPorts } from './registry-ports.ts';
import { storeAdmissionPorts } from './store-ports.ts';

export interface WebhookOptions {
  readonly store: Store;
  readonly log: Logger;
  readonly metrics: FacetMetrics;
  /** PostgreSQL URL for LISTEN; absent (PGlite): no cross-replica invalidation, TTL only. */
  readonly databaseUrl?: string | undefined;
  /** `'in-cluster'`, a kubeconfig path, or undefined: no informer (defaults only), anonymous pulls. */
  readonly kubeconfig?: string | undefined;
  readonly defaults: PolicyDefaults;
  /** Equal to the webhook configuration's `timeoutSeconds`. */
  readonly timeoutSeconds: number;
  readonly platform?: string;
  readonly insecureRegistries?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Extraction on a miss (./extract-on-miss.ts) with the server's seal key; absent: off, an unsealed
   * image gets ADMISSION_IMAGE_UNSEALED and its `onError` decision.
   */
  readonly extraction?: Omit<
    ExtractOnMissOptions,
    'store' | 'registry' | 'credentials' | 'log' | 'metrics' | 'tracer'
  >;
}

export interface Webhook {
  readonly context: ValidateContext;
  /** /readyz checks beyond the database: the informer, when one runs. */
  readonly readiness: Record<string, () => Promise<void>>;
  /** Extraction on a miss, when a seal key was given. */
  readonly extraction: ExtractOnMiss | undefined;
  close(): Promise<void>;
}

/** Assembles the decision's ports as docs/admission.md describes, for `stella serve`. */
export function createWebhook(options: WebhookOptions): Webhook {
  const { log } = options;
  const policies = new PolicyCache((e) => log.warn({ err: e, code: e.code }, e.message));
  let informer: PolicyInformer | undefined;
  let kubeConfig: KubeConfig | undefined;
  if (options.kubeconfig !== undefined) {
    kubeConfig = new KubeConfig();
    if (options.kubeconfig === 'in-cluster') kubeConfig.loadFromCluster();
    else kubeConfig.loadFromFile(options.kubeconfig);
    informer = new PolicyInformer(policies, kubernetesInformerFactory(kubeConfig), systemInformerTiming, {
      log,
    });
    informer.start();
  } else {
    // No API server: both kinds are empty, so the defaults decide (the cache counts as synced).
    policies.replace('FacetPolicy', []);
    policies.replace('ClusterFacetPolicy', []);
  }
  const cache = new DecisionCache();
  // Approvals are cached only where their NOTIFY can arrive (PostgreSQL LISTEN): with PGlite (no
  // databaseUrl) every review reads them, in process (docs/decisions.md, "Webhook: approvals cached").
  let baselines: BaselineCache | undefined;
  const listener: CacheListener | undefined =
    options.databaseUrl === undefined
      ? undefined
      : listenForCacheInvalidation({
          databaseUrl: options.databaseUrl,
          invalidate: (what) => {
            const dropped = cache.invalidate(what);
            const droppedBaselines = baselines?.invalidate(what);
            log.debug({ what, dropped, droppedBaselines }, 'decision cache invalidated');
          },
          log,
        });
  if (listener !== undefined)
    baselines = new BaselineCache({ ...DEFAULT_BASELINE_CACHE, active: () => listener.listening });
  registerCacheMetrics(options.metrics.registry, {
    decision: cache,
    baseline: baselines,
    listening: listener === undefined ? undefined : () => listener.listening,
  });
  const credentials =
    kubeConfig === undefined
      ? () => Promise.resolve(undefined)
      : pullCredentials(cachedSecretReader(kubernetesSecretReader(kubeConfig), 30_000), {
          onSkipped: (skipped, pull) =>
            log.warn({ skipped, namespace: pull.namespace }, 'pull secrets skipped'),
        });
  const registry = {
    env: options.env,
    platform: options.platform ?? 'linux/amd64',
    anonymousHint: WEBHOOK_ANONYMOUS_HINT,
    ...(options.insecureRegistries === undefined ? {} : { insecureRegistries: options.insecureRegistries }),
  };
  const tracer = createTracer();
  const extraction =
    options.extraction === undefined
      ? undefined
      : createExtractOnMiss({
          ...options.extraction,
          store: options.store,
          registry,
          credentials,
          log,
          metrics: options.metrics,
          tracer,
        });
  // The extraction's own advisory lock (on tenant and digest) is held for as long as it runs, which may
  // outlast the request: the decision's per-request lock is not used.
  const { lockExtraction: _perRequestLock, ...storePorts } = storeAdmissionPorts(options.store, {
    baselines,
  });
  const ports: AdmissionPorts = {
    clock: systemClock,
    resolvePolicy: policyPort(policies, options.defaults),
    ...registryAdmissionPorts({ registry: { ...registry, timeoutMs: 3000, retries: 1 }, credentials }),
    ...storePorts,
    ...extraction?.ports,
    computeDrift: computeDriftFromSeals,
    cache,
    tracer,
  };
  const readiness: Record<string, () => Promise<void>> = {};
  if (informer !== undefined) {
    const watched = informer;
    readiness.informer = () =>
      watched.synced ? Promise.resolve() : Promise.reject(new Error('policy informer not synced'));
  }
  return {
    context: {
      ports,
      defaults: { tenant: options.defaults.tenant, onError: options.defaults.onError },
      timeoutSeconds: options.timeoutSeconds,
      metrics: options.metrics,
      log,
    },
    readiness,
    extraction,
    async close() {
      await Promise.all([informer?.stop(), listener?.close(), extraction?.close()]);
    },
  };
}

/** A registry's refusal of a pod whose image no pull secret covers: what the cluster's user can do. */
export const WEBHOOK_ANONYMOUS_HINT =
  "give the pod (or its service account) an imagePullSecret for this registry, in the pod's namespace";
