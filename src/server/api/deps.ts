import type { Store } from '../../store/store.ts';
import type { FacetMetrics } from '../../telemetry/metrics.ts';

export interface ApiDeps {
  readonly store: Store;
  /** Enforce each route's scope (AuthConfig.requireScopes). */
  readonly requireScopes: boolean;
  /** `facet_seal_total` (seed §8): seals submitted through POST /seals, by outcome. */
  readonly sealTotal?: FacetMetrics['sealTotal'] | undefined;
}

/** The scopes a token carries in `scope` (space-separated) or `scp`; each route needs one. */
export const SCOPES = Object.freeze({
  read: 'seals:read',
  sealsWrite: 'seals:write',
  approve: 'baselines:approve',
  driftWrite: 'drift:write',
  vexWrite: 'vex:write',
  auditRead: 'audit:read',
  keysAdmin: 'keys:admin',
});
