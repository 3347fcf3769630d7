import { describe, expect, it } from 'vitest';
import { defaultFacets } from '../facets/load.ts';
import type { FacetSeal } from '../model/seal.ts';
import { quotaSourcesFromPolicy } from '../quota/policy.ts';
import { driftBetweenSeals } from './from-seals.ts';
import { entry } from './test-entries.ts';
import { facet } from './test-sides.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
function seal(f: ReturnType<typeof facet>, image: string): FacetSeal {
  return {
    sealId: f.sealId,
    imageRef: 'r',
    imageDigest: image,
    configDigest: image,
    manifest: {
      facetId: f.facetId,
      type: f.type,
      files: [...f.files],
      merkleRoot: f.merkleRoot,
      fileCount: f.fileCount,
      totalBytes: 0,
      extractedAt: '2026-01-01T00:00:00.000Z',
      extractorVersion: 't',
    },
    sealedAt: '2026-01-01T00:00:00.000Z',
    sealedBy: 't',
    appliedQuota: {
      maxChurnPercent: 50,
      maxChangedFiles: 50,
      maxAddedFiles: 25,
      maxRemovedFiles: 10,
      onExceed: 'Block',
    },
    envelope: { payloadType: 'x', payload: '', signatures: [{ sig: 'AA==' }] },
  };
}

describe('driftBetweenSeals (the webhook path)', () => {
  it('judges stored seals with the policy, then the facets, then the baseline seal, then the defaults', () => {
    const base = [seal(facet('config', 'Config', [entry('/etc/a'), entry('/etc/b')]), digest('1'))];
    const cur = [seal(facet('config', 'Config', [entry('/etc/a', 'x'), entry('/etc/b')]), digest('2'))];
    const policy = {
      sources: ['FacetPolicy ns/p'],
      quotas: { config: { onExceed: 'RequireVex' as const } },
      facets: defaultFacets(),
    };
    const report = driftBetweenSeals(
      { identity: { imageRef: 'a', imageDigest: digest('1') }, seals: base },
      { identity: { imageRef: 'b', imageDigest: digest('2') }, seals: cur },
      quotaSourcesFromPolicy({ ...policy, facets: [] }, defaultFacets(), base),
    );
    // 1 of 2 changed: 50% > config's 20% (from the default facets); onExceed from the policy.
    expect(report.facets[0]!.quotaVerdict).toMatchObject({ passed: false, recommendedAction: 'RequireVex' });
    expect(report.decision).toBe('RequireVex');
    expect(report.facets[0]!.modified[0]!.cause).toBe('ConfigChange');
  });
});
