import { describe, expect, it } from 'vitest';
import { DEFAULT_QUOTA, type FacetDefinition } from '../model/facet.ts';
import { scoreDrift } from '../drift/score.ts';
import { evaluateQuota } from './evaluate.ts';
import { resolveQuota } from './resolve.ts';
import { imageDecision } from './severity.ts';

const quota = {
  maxChurnPercent: 5,
  maxChangedFiles: 10,
  maxAddedFiles: 4,
  maxRemovedFiles: 2,
  onExceed: 'Block',
} as const;

describe('evaluateQuota (SPEC §10)', () => {
  it('passes a value equal to its limit', () => {
    const v = evaluateQuota('os', scoreDrift({ added: 4, removed: 2, modified: 4 }, 200), quota);
    expect(v).toEqual({ passed: true, violations: [], recommendedAction: 'Warn' });
  });

  it('fails one above the limit, naming the facet, the field, the limit and the actual value', () => {
    const v = evaluateQuota('os', scoreDrift({ added: 5, removed: 3, modified: 3 }, 100), quota);
    expect(v.passed).toBe(false);
    expect(v.recommendedAction).toBe('Block');
    expect(v.violations.map((x) => x.quotaField)).toEqual([
      'MaxChurnPercent',
      'MaxChangedFiles',
      'MaxAddedFiles',
      'MaxRemovedFiles',
    ]);
    const churn = v.violations[0]!;
    expect(churn).toMatchObject({ limit: 5, actual: 11 });
    expect(churn.message).toContain('"os"');
    expect(churn.message).toContain('MaxChurnPercent');
    expect(churn.message).toContain('11%');
    expect(churn.message).toContain('5%');
  });

  it('treats a churn exactly equal to a fractional limit as passing', () => {
    const v = evaluateQuota('x', scoreDrift({ added: 1, removed: 0, modified: 0 }, 1000), {
      ...quota,
      maxChurnPercent: 0.1,
    });
    expect(v.violations.map((x) => x.quotaField)).not.toContain('MaxChurnPercent');
  });

  it('judges an empty baseline: nothing added passes, anything added is 100% churn', () => {
    expect(evaluateQuota('x', scoreDrift({ added: 0, removed: 0, modified: 0 }, 0), quota).passed).toBe(true);
    const v = evaluateQuota('x', scoreDrift({ added: 1, removed: 0, modified: 0 }, 0), quota);
    expect(v.violations).toEqual([expect.objectContaining({ quotaField: 'MaxChurnPercent', actual: 100 })]);
  });
});

describe('resolveQuota', () => {
  const facets: FacetDefinition[] = [
    {
      facetId: 'os',
      type: 'OS',
      includeGlobs: ['/var/lib/dpkg/**'],
      excludeGlobs: [],
      quota: { maxChurnPercent: 7 },
    },
    { facetId: 'config', type: 'Config', includeGlobs: ['/etc/**'], excludeGlobs: [] },
  ];

  it('fills unset fields of a partial quota from the record defaults', () => {
    const q = resolveQuota('os', { facets });
    expect(q).toMatchObject({ ...DEFAULT_QUOTA, maxChurnPercent: 7, facetId: 'os' });
    expect(q.origins.maxChurnPercent).toBe('facets');
    expect(q.origins.maxAddedFiles).toBe('default');
    expect(resolveQuota('config', { facets })).toMatchObject(DEFAULT_QUOTA);
  });

  it('takes the most specific source field by field: policies in order, facets, sealed, defaults', () => {
    const q = resolveQuota('os', {
      policies: [
        { name: 'ns/strict', quotas: { os: { onExceed: 'Block' } } },
        { name: 'cluster', quotas: { os: { onExceed: 'Warn', maxChangedFiles: 3 } } },
      ],
      facets,
      sealed: { os: { maxChurnPercent: 1, maxRemovedFiles: 1 } },
    });
    expect(q).toMatchObject({
      onExceed: 'Block',
      maxChangedFiles: 3,
      maxChurnPercent: 7,
      maxRemovedFiles: 1,
      maxAddedFiles: 25,
    });
    expect(q.origins).toEqual({
      onExceed: 'policy ns/strict',
      maxChangedFiles: 'policy cluster',
      maxChurnPercent: 'facets',
      maxRemovedFiles: 'sealed',
      maxAddedFiles: 'default',
    });
  });

  it('gives a facet no source knows the record defaults', () => {
    expect(resolveQuota('custom/thing')).toMatchObject(DEFAULT_QUOTA);
  });
});

describe('imageDecision', () => {
  const failed = (a: 'Warn' | 'RequireVex' | 'Block') => ({
    passed: false,
    violations: [],
    recommendedAction: a,
  });
  const ok = { passed: true, violations: [], recommendedAction: 'Warn' as const };

  it('is Pass without violations, else the most severe action (Warn < RequireVex < Block)', () => {
    expect(imageDecision([])).toBe('Pass');
    expect(imageDecision([ok, ok])).toBe('Pass');
    expect(imageDecision([ok, failed('Warn')])).toBe('Warn');
    expect(imageDecision([failed('RequireVex'), failed('Warn')])).toBe('RequireVex');
    expect(imageDecision([failed('RequireVex'), failed('Block'), failed('Warn')])).toBe('Block');
  });
});
