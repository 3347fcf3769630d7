import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BaselineCache } from '../baseline-cache.ts';
import { DecisionCache } from '../decision-cache.ts';
import { digest } from '../test-ports.ts';
import { registerCacheMetrics } from './cache-metrics.ts';

/** The exposition's samples whose name starts with `zastava_webhook_cache_`, as `line → value`. */
async function samples(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await registry.metrics()).split('\n')) {
    if (!line.startsWith('zastava_webhook_cache_')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

const key = (current: string) => ({
  tenant: 'acme',
  baselineDigest: digest('base'),
  currentDigest: digest(current),
  policyVersion: 'v1',
});

describe('registerCacheMetrics', () => {
  it("exports both caches' counts, every label value from 0, with the listener's state", async () => {
    const registry = new Registry();
    let listening = true;
    const decision = new DecisionCache({ maxEntries: 1, ttlMs: 1000 });
    const baseline = new BaselineCache({ maxEntries: 10, ttlMs: 1000, active: () => listening });
    registerCacheMetrics(registry, { decision, baseline, listening: () => listening });

    const zero = await samples(registry);
    expect(zero).toEqual({
      'zastava_webhook_cache_lookups_total{cache="decision",result="hit"}': 0,
      'zastava_webhook_cache_lookups_total{cache="decision",result="miss"}': 0,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="hit"}': 0,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="miss"}': 0,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="bypass"}': 0,
      'zastava_webhook_cache_invalidations_total{cache="decision",kind="all"}': 0,
      'zastava_webhook_cache_invalidations_total{cache="decision",kind="baseline"}': 0,
      'zastava_webhook_cache_invalidations_total{cache="decision",kind="vex"}': 0,
      'zastava_webhook_cache_invalidations_total{cache="baseline",kind="all"}': 0,
      'zastava_webhook_cache_invalidations_total{cache="baseline",kind="baseline"}': 0,
      'zastava_webhook_cache_invalidated_entries_total{cache="decision"}': 0,
      'zastava_webhook_cache_invalidated_entries_total{cache="baseline"}': 0,
      'zastava_webhook_cache_evictions_total{cache="decision"}': 0,
      'zastava_webhook_cache_evictions_total{cache="baseline"}': 0,
      'zastava_webhook_cache_entries{cache="decision"}': 0,
      'zastava_webhook_cache_entries{cache="baseline"}': 0,
      zastava_webhook_cache_listener_up: 1,
    });

    decision.get(key('a'));
    decision.set(key('a'), { decision: 'Pass', facets: [] });
    decision.get(key('a'));
    decision.set(key('b'), { decision: 'Pass', facets: [] });
    decision.invalidate({ kind: 'vex', tenant: 'acme', imageDigest: digest('b') });
    const load = () => Promise.resolve(null);
    await baseline.lookup('acme', 'r/web', load);
    await baseline.lookup('acme', 'r/web', load);
    await baseline.lookup('acme', 'r/api', load);
    baseline.invalidate({ kind: 'baseline', tenant: 'acme', repository: 'r/web' });
    // LISTEN lost: flushed, then bypassed.
    listening = false;
    decision.invalidate({ kind: 'all' });
    baseline.invalidate({ kind: 'all' });
    await baseline.lookup('acme', 'r/web', load);

    const after = await samples(registry);
    expect(after).toMatchObject({
      'zastava_webhook_cache_lookups_total{cache="decision",result="hit"}': 1,
      'zastava_webhook_cache_lookups_total{cache="decision",result="miss"}': 1,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="hit"}': 1,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="miss"}': 2,
      'zastava_webhook_cache_lookups_total{cache="baseline",result="bypass"}': 1,
      'zastava_webhook_cache_invalidations_total{cache="decision",kind="all"}': 1,
      'zastava_webhook_cache_invalidations_total{cache="decision",kind="vex"}': 1,
      'zastava_webhook_cache_invalidations_total{cache="baseline",kind="all"}': 1,
      'zastava_webhook_cache_invalidations_total{cache="baseline",kind="baseline"}': 1,
      'zastava_webhook_cache_invalidated_entries_total{cache="decision"}': 1,
      'zastava_webhook_cache_invalidated_entries_total{cache="baseline"}': 2,
      'zastava_webhook_cache_evictions_total{cache="decision"}': 1,
      'zastava_webhook_cache_entries{cache="decision"}': 0,
      'zastava_webhook_cache_entries{cache="baseline"}': 0,
      zastava_webhook_cache_listener_up: 0,
    });
    // Scraping again changes nothing (the counters are copies, not increments).
    expect(await samples(registry)).toEqual(after);
    expect(await registry.metrics()).toMatch(/# TYPE zastava_webhook_cache_lookups_total counter/);
  });

  it('exports no approval-cache series and no listener state without them (PGlite)', async () => {
    const registry = new Registry();
    registerCacheMetrics(registry, { decision: new DecisionCache() });
    const text = await registry.metrics();
    expect(text).toContain('zastava_webhook_cache_lookups_total{cache="decision",result="hit"} 0');
    expect(text).not.toContain('cache="baseline"');
    expect(text).not.toContain('zastava_webhook_cache_listener_up');
  });
});
