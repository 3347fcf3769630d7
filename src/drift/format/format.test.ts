import { describe, expect, it } from 'vitest';
import { defaultFacets } from '../../facets/load.ts';
import { quotaResolver } from '../../quota/resolve.ts';
import { readPackageInventory } from '../packages/read.ts';
import { dpkgDatabase, toCaptured } from '../packages/test-databases.ts';
import { computeDrift } from '../report.ts';
import { entry } from '../test-entries.ts';
import { facet, side } from '../test-sides.ts';
import { formatDrift } from './index.ts';

const db = readPackageInventory(
  toCaptured(dpkgDatabase([{ name: 'bash', version: '5.2', files: ['/usr/bin/bash'] }])),
);
const report = computeDrift(
  side([facet('binary', 'Binary', [entry('/usr/bin/bash')])]),
  side([facet('binary', 'Binary', [entry('/usr/bin/bash', 'evil')])]),
  { quotas: quotaResolver({ facets: defaultFacets() }), packages: { baseline: db, current: db } },
);

describe('drift output', () => {
  it('table: a line per facet with counts, churn and verdict, and a loud flag on unexplained binaries', () => {
    const text = formatDrift(report, 'table');
    expect(text).toMatch(/binary\s+0\s+0\s+1\s+100%\s+Block \(MaxChurnPercent\)/);
    expect(text).toContain('decision: Block');
    expect(text).toContain('this is what a tampered image looks like');
    expect(text).toContain('/usr/bin/bash');
    expect(text).toMatch(/deb\s+bash\s+5\.2 \(same version\)\s+BinaryRebuild/);
  });

  it('json: the DriftReport contract', () => {
    const json = JSON.parse(formatDrift(report, 'json')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['baseline', 'current', 'facets', 'packages', 'decision']);
  });

  it('markdown: a table and the caution block', () => {
    const md = formatDrift(report, 'markdown');
    expect(md).toContain('| `binary` | 0 | 0 | 1 | 100% | Block (MaxChurnPercent) |');
    expect(md).toContain('[!CAUTION]');
  });
});

describe('markdown: the suggested stella vex gen', () => {
  it('carries --facet and --quota for each facet that requires a VEX, so it reproduces the verdict', () => {
    const requireVex = computeDrift(
      side([facet('config', 'Config', [entry('/etc/app.conf')])]),
      side([facet('config', 'Config', [entry('/etc/app.conf', 'b')])]),
      {
        quotas: quotaResolver({
          policies: [{ name: 'strict', quotas: { config: { maxChangedFiles: 0, onExceed: 'RequireVex' } } }],
          facets: defaultFacets(),
        }),
      },
    );
    expect(requireVex.decision).toBe('RequireVex');
    const md = formatDrift(requireVex, 'markdown');
    expect(md).toMatch(
      /stella vex gen --from-drift \S+ \S+ --facet config --quota config:[^`]*maxChangedFiles=0[^`]*,onExceed=RequireVex`/,
    );
  });
});
