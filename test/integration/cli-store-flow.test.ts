import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { DriftReport } from '../../src/model/drift.ts';
import { writeOciLayout, type FixtureImage } from '../fixtures/index.ts';

// The workstation flow on the embedded default (PGlite under ZASTAVA_DATA_DIR): seal into the store,
// approve a baseline, then compare a new image against `baseline:REPO` and `stored:DIGEST`.
const v1: FixtureImage = {
  layers: [
    {
      entries: [
        { type: 'file', path: '/usr/bin/app', content: 'build 1', mode: 0o755 },
        { type: 'file', path: '/etc/app.conf', content: 'a=1\n' },
      ],
    },
  ],
};
const v2: FixtureImage = {
  layers: [...v1.layers, { entries: [{ type: 'file', path: '/etc/app.conf', content: 'a=2\n' }] }],
};

let dir: string;
let layout: string;
let env: Record<string, string>;
/** `stella seal oci:LAYOUT:TAG --key k.key --store --format json`. */
const sealIntoStore = (tag: string) =>
  stella('seal', `oci:${layout}:${tag}`, '--key', join(dir, 'k.key'), '--store', '--format', 'json');

async function stella(...args: string[]) {
  const ctx = captureContext(env);
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-store-flow-'));
  layout = join(dir, 'layout');
  env = { ZASTAVA_DATA_DIR: join(dir, 'data'), STELLA_SEALED_BY: 'ci', USER: 'tester' };
  await writeOciLayout(layout, v1, { tag: 'v1' });
  await writeOciLayout(layout, v2, { tag: 'v2' });
  expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'k'))).code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seal --store, baseline approve, drift against the store (embedded PGlite)', () => {
  it('refuses to store seals whose key the tenant does not trust, storing nothing', async () => {
    const r = await sealIntoStore('v1');
    expect(r.code).toBe(1);
    expect(r.err).toContain('SEAL_SIGNATURE_UNTRUSTED');
    const d = await stella(
      'drift',
      'stored:sha256:' + '0'.repeat(64),
      `oci:${layout}:v2`,
      '--format',
      'json',
    );
    expect(d.err).toContain('DRIFT_INPUT_NOT_FOUND');
  });

  it('stores trusted seals, approves a baseline and compares against it', async () => {
    expect((await stella('db', 'keys', 'add', join(dir, 'k.pub'))).code).toBe(0);
    const s1 = await sealIntoStore('v1');
    expect(s1.code, s1.err).toBe(0);
    expect(s1.err).toContain('stored 6 seal(s)');
    const a = await stella('baseline', 'approve', `oci:${layout}:v1`, '--reason', 'first release');
    expect(a.code, a.err).toBe(0);
    const s2 = await sealIntoStore('v2');
    expect(s2.code, s2.err).toBe(0);
    const v2Digest = (JSON.parse(s2.out) as { imageDigest: string }).imageDigest;

    const d = await stella('drift', `baseline:oci:${layout}`, `stored:${v2Digest}`, '--format', 'json');
    expect(d.code, d.err).toBe(0);
    const report = DriftReport.parse(JSON.parse(d.out));
    expect(report.current.imageDigest).toBe(v2Digest);
    const config = report.facets.find((f) => f.facetId === 'config')!;
    expect(config.modified.map((m) => m.path)).toEqual(['/etc/app.conf']);
    expect(report.decision).toBe('Warn');
  });

  it('--push stores into the configured store (no ZASTAVA_SERVER), and names what a server needs', async () => {
    const refused = await stella('seal', `oci:${layout}:v2`, '--push', '--store');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--push chooses the destination itself');
    const pushed = await stella('seal', `oci:${layout}:v2`, '--key', join(dir, 'k.key'), '--push');
    expect(pushed.code, pushed.err).toBe(0);
    expect(pushed.err).toContain('stored 0 seal(s)'); // v2 was stored by the test before
    const saved = env;
    env = { ...env, ZASTAVA_SERVER: 'https://zastava.invalid' };
    try {
      const noToken = await stella('seal', `oci:${layout}:v2`, '--key', join(dir, 'k.key'), '--push');
      expect(noToken.code).toBe(2);
      expect(noToken.err).toContain('--push with ZASTAVA_SERVER needs --token T');
    } finally {
      env = saved;
    }
  });

  it('compares stored seals by id (seal:UUID): the drift of their one facet (SPEC §9)', async () => {
    const json = async (...args: string[]) => {
      const r = await stella('drift', ...args, '--format', 'json');
      expect(r.code, r.err).toBe(0);
      return DriftReport.parse(JSON.parse(r.out));
    };
    const v2Digest = (await json(`baseline:oci:${layout}`, `oci:${layout}:v2`)).current.imageDigest;
    const byDigest = await json(`baseline:oci:${layout}`, `stored:${v2Digest}`);
    const config = byDigest.facets.find((f) => f.facetId === 'config')!;
    const bySeal = await json(`seal:${config.baselineSealId}`, `seal:${config.currentSealId.toUpperCase()}`);
    expect(bySeal.facets).toEqual([config]);
    // A seal against an image: that facet alone, the same files.
    const mixed = await json(`seal:${config.baselineSealId}`, `oci:${layout}:v2`);
    expect(mixed.facets.map((f) => [f.facetId, f.modified.map((m) => m.path)])).toEqual([
      ['config', ['/etc/app.conf']],
    ]);

    const binary = byDigest.facets.find((f) => f.facetId === 'binary')!;
    const refused = [
      [`seal:${binary.baselineSealId}`, `seal:${config.currentSealId}`, 'DRIFT_INPUT_INVALID'],
      [`seal:${config.baselineSealId}`, `stored:${v2Digest}`, '--facet', 'binary', 'DRIFT_INPUT_INVALID'],
      ['seal:not-a-uuid', `stored:${v2Digest}`, 'DRIFT_INPUT_INVALID'],
      [
        `seal:${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
        `stored:${v2Digest}`,
        'DRIFT_INPUT_NOT_FOUND',
      ],
    ];
    for (const args of refused) {
      const code = args.pop()!;
      const r = await stella('drift', ...args, '--format', 'json');
      expect([r.code, r.err], args.join(' ')).toEqual([1, expect.stringContaining(`error[${code}]`)]);
    }
  });

  it('drafts, signs and submits the VEX a RequireVex verdict asks for; an untrusted signature is refused', async () => {
    const facets = join(dir, 'facets.json');
    const defaults = JSON.parse((await stella('facets', '--format', 'json')).out) as {
      facets: { facetId: string; quota?: Record<string, unknown> }[];
    };
    for (const f of defaults.facets)
      if (f.facetId === 'config') f.quota = { ...f.quota, onExceed: 'RequireVex' };
    await writeFile(facets, JSON.stringify(defaults));
    const s2 = await stella('seal', `oci:${layout}:v2`, '--key', join(dir, 'k.key'), '--format', 'json');
    const v2Digest = (JSON.parse(s2.out) as { imageDigest: string }).imageDigest;
    const doc = join(dir, 'vex.json');
    const gen = await stella(
      'vex',
      'gen',
      '--from-drift',
      `baseline:oci:${layout}`,
      `stored:${v2Digest}`,
      '--facets',
      facets,
      '--output',
      doc,
    );
    expect(gen.code, gen.err).toBe(0);
    const text = (await readFile(doc, 'utf8')).replace(
      /"impact_statement": "[^"]*"/g,
      '"impact_statement": "config edit reviewed"',
    );
    await writeFile(doc, text);
    expect(
      (await stella('vex', 'sign', doc, '--key', join(dir, 'k.key'), '--output', join(dir, 'vex.dsse.json')))
        .code,
    ).toBe(0);
    const ok = await stella('vex', 'submit', join(dir, 'vex.dsse.json'));
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`stored VEX`);
    expect(ok.out).toContain(v2Digest);

    await stella('keys', 'generate', '--output-prefix', join(dir, 'rogue'));
    await stella(
      'vex',
      'sign',
      doc,
      '--key',
      join(dir, 'rogue.key'),
      '--output',
      join(dir, 'rogue.dsse.json'),
    );
    const refused = await stella('vex', 'submit', join(dir, 'rogue.dsse.json'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/error\[[A-Z_]+\]/);
  });
});
