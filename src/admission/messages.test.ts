import { describe, expect, it } from 'vitest';
import { aggregateResult, reproducingQuota, vexGenCommand } from './messages.ts';
import type { FacetOutcome, ImageOutcome } from './outcome.ts';
import { BASE, CUR, drift, policy } from './test-ports.ts';
import type { Workload } from './workload.ts';

const facet = (d: ReturnType<typeof drift>, decision: FacetOutcome['decision']): FacetOutcome => ({
  facetId: d.facetId,
  decision,
  drift: d,
});

function evaluated(facets: FacetOutcome[], quotas = {}): ImageOutcome {
  return {
    kind: 'evaluated',
    image: 'registry.example/app:v2',
    containers: ['containers/c0'],
    allowed: false,
    repository: 'registry.example/app',
    imageDigest: CUR,
    baseline: { imageDigest: BASE, imageRef: 'registry.example/app:v1' },
    policy: policy({ quotas }),
    evaluation: { decision: 'RequireVex', facets },
    cached: false,
  };
}

const workload: Workload = {
  kind: 'Pod',
  namespace: 'shop',
  name: 'web',
  serviceAccountName: 'default',
  imagePullSecrets: [],
  images: [],
};

describe('the stella vex gen command of a RequireVex denial', () => {
  it('names every denied facet with the limits it exceeded and onExceed RequireVex', () => {
    const outcome = evaluated([
      facet(
        drift('config', 'RequireVex', [{ quotaField: 'MaxChurnPercent', limit: 0, actual: 4.5 }]),
        'RequireVex',
      ),
      facet(drift('binary', 'RequireVex'), 'RequireVex'),
    ]);
    expect(aggregateResult(workload, [outcome]).requiredVexStatement).toBe(
      `stella vex gen --from-drift registry.example/app@${BASE} registry.example/app@${CUR}` +
        ' --facet config --quota config:maxChurnPercent=0,onExceed=RequireVex' +
        ' --facet binary --quota binary:maxChangedFiles=20,onExceed=RequireVex',
    );
  });

  it('leaves out facets that warned, passed, blocked or are already acknowledged', () => {
    const outcome = evaluated([
      facet(drift('os', 'Warn'), 'Warn'),
      facet(drift('lang/go', 'Pass'), 'Pass'),
      facet(drift('binary', 'Block'), 'Block'),
      facet(drift('lang/node', 'RequireVex'), 'VexAcknowledged'),
      facet(drift('config', 'RequireVex'), 'RequireVex'),
    ]);
    const command = aggregateResult(workload, [outcome]).requiredVexStatement ?? '';
    expect([...command.matchAll(/--facet (\S+)/g)].map((m) => m[1])).toEqual(['config']);
    expect(command.match(/--quota/g)).toHaveLength(1);
  });

  it('carries the limits the policy sets for the facet, the exceeded ones from the verdict', () => {
    const f = facet(drift('config', 'RequireVex'), 'RequireVex');
    expect(reproducingQuota(f, { quotas: { config: { maxAddedFiles: 3, onExceed: 'RequireVex' } } })).toEqual(
      {
        maxAddedFiles: 3,
        maxChangedFiles: 20,
        onExceed: 'RequireVex',
      },
    );
  });

  it('gives no command when no facet needs a VEX', () => {
    const outcome = evaluated([facet(drift('binary', 'Block'), 'Block')]);
    expect(aggregateResult(workload, [outcome]).requiredVexStatement).toBeUndefined();
    expect(vexGenCommand('r', BASE, CUR, [])).toBe(`stella vex gen --from-drift r@${BASE} r@${CUR}`);
  });
});
