import { describe, expect, it } from 'vitest';
import { DriftReport } from '../model/drift.ts';
import { defaultFacets } from '../facets/load.ts';
import { quotaResolver } from '../quota/resolve.ts';
import { readPackageInventory } from './packages/read.ts';
import { dpkgDatabase, toCaptured } from './packages/test-databases.ts';
import { computeDrift, EMPTY_ROOT, NO_SEAL_ID } from './report.ts';
import { entry } from './test-entries.ts';
import { facet, side } from './test-sides.ts';

const quotas = quotaResolver({ facets: defaultFacets() });
const etc = (n: number, prefix = 'f') =>
  Array.from({ length: n }, (_, i) => entry(`/etc/${prefix}${String(i).padStart(3, '0')}`));

describe('computeDrift', () => {
  it('reports per facet with scores, verdicts and the image decision, valid against the model', () => {
    const base = side([
      facet('config', 'Config', etc(100)),
      facet('binary', 'Binary', [entry('/usr/bin/a')]),
    ]);
    const cur = side([
      facet('config', 'Config', [...etc(100).slice(1), entry('/etc/new')]),
      facet('binary', 'Binary', [entry('/usr/bin/a', 'tampered')]),
    ]);
    const report = computeDrift(base, cur, { quotas });
    expect(DriftReport.parse(report)).toEqual(report);
    const [config, binary] = report.facets;
    expect(config!.score).toEqual({
      totalChanges: 2,
      churnPercent: 2,
      addedCount: 1,
      removedCount: 1,
      modifiedCount: 0,
    });
    expect(config!.quotaVerdict.passed).toBe(true);
    expect(config!.added[0]).toMatchObject({ path: '/etc/new', cause: 'ConfigChange' });
    expect(binary!.modified[0]).toMatchObject({ path: '/usr/bin/a', cause: 'Unknown' });
    expect(binary!.modified[0]!.oldHash).not.toBe(binary!.modified[0]!.newHash);
    // binary: 1 of 1 changed = 100% > 2% (Block).
    expect(binary!.quotaVerdict).toMatchObject({ passed: false, recommendedAction: 'Block' });
    expect(report.decision).toBe('Block');
    expect(report.notes).toEqual([
      'baseline: no package data; causes come from paths only',
      'current: no package data; causes come from paths only',
    ]);
  });

  it('passes when nothing changed, without reading entries', () => {
    const f = facet('config', 'Config', etc(3));
    const report = computeDrift(side([f]), side([{ ...f, sealId: crypto.randomUUID() }]), { quotas });
    expect(report.decision).toBe('Pass');
    expect(report.facets[0]!.score.totalChanges).toBe(0);
  });

  it('treats a facet present on one side only as empty on the other', () => {
    const report = computeDrift(
      side([]),
      side([facet('lang/node', 'LangNode', [entry('/app/node_modules/a/index.js')])]),
      { quotas },
    );
    const [node] = report.facets;
    expect(node).toMatchObject({ baselineSealId: NO_SEAL_ID, baselineMerkleRoot: EMPTY_ROOT });
    expect(node!.score.churnPercent).toBe(100);
    expect(report.decision).toBe('RequireVex');
    const gone = computeDrift(side([facet('config', 'Config', etc(2))]), side([]), { quotas });
    expect(gone.facets[0]!.score).toMatchObject({ removedCount: 2, churnPercent: 100 });
    expect(gone.facets[0]!.currentSealId).toBe(NO_SEAL_ID);
  });

  it('scores an empty baseline 0 with nothing added', () => {
    const report = computeDrift(side([facet('os', 'OS', [])]), side([facet('os', 'OS', [])]), { quotas });
    expect(report.facets[0]!.score.churnPercent).toBe(0);
    expect(report.decision).toBe('Pass');
  });

  it('refuses seals made with different facet definitions, saying so', () => {
    const a = side([facet('os', 'OS', [])], { facetDefinitionsDigest: `sha256:${'1'.repeat(64)}` });
    const b = side([facet('os', 'OS', [])], { facetDefinitionsDigest: `sha256:${'2'.repeat(64)}` });
    expect(() => computeDrift(a, b, { quotas })).toThrow(
      expect.objectContaining({ code: 'DRIFT_FACET_DEFINITIONS_DIFFER' }),
    );
    const noDigest = (s: ReturnType<typeof side>) => ({ ...s, facetDefinitionsDigest: undefined });
    expect(() => computeDrift(noDigest(a), noDigest(side([facet('os', 'Custom', [])])), { quotas })).toThrow(
      expect.objectContaining({ code: 'DRIFT_FACET_DEFINITIONS_DIFFER' }),
    );
    expect(() =>
      computeDrift(noDigest(a), noDigest(side([facet('os', 'OS', []), facet('x', 'Custom', [])])), {
        quotas,
      }),
    ).toThrow(/only in the current image: x/);
  });

  it('filters facets with facetIds and keeps only the packages of shown entries', () => {
    const debs = (v: string) =>
      dpkgDatabase([
        { name: 'bash', version: v, files: ['/usr/bin/bash'] },
        { name: 'cfg', version: v, files: ['/etc/cfg'] },
      ]);
    const packages = {
      baseline: readPackageInventory(toCaptured(debs('1'))),
      current: readPackageInventory(toCaptured(debs('2'))),
    };
    const base = side([
      facet('binary', 'Binary', [entry('/usr/bin/bash')]),
      facet('config', 'Config', [entry('/etc/cfg')]),
    ]);
    const cur = side([
      facet('binary', 'Binary', [entry('/usr/bin/bash', '2')]),
      facet('config', 'Config', [entry('/etc/cfg', '2')]),
    ]);
    const all = computeDrift(base, cur, { quotas, packages });
    expect(all.packages.map((p) => p.name)).toEqual(['bash', 'cfg']);
    const only = computeDrift(base, cur, { quotas, packages, facetIds: ['config'] });
    expect(only.facets.map((f) => f.facetId)).toEqual(['config']);
    expect(only.packages.map((p) => p.name)).toEqual(['cfg']);
    expect(only.facets[0]!.modified[0]).toMatchObject({ cause: 'PackageUpdate', package: 'deb:cfg' });
  });
});
