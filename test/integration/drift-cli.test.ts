import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { debianChangelog, dpkgDatabase, type DebFixture } from '../../src/drift/packages/test-databases.ts';
import { DriftReport } from '../../src/model/drift.ts';
import { readPublicKeyFile, staticTrust } from '../../src/seal/index.ts';
import { OpenVexDocument, verifyVexForAdmission } from '../../src/vex/index.ts';
import { writeOciLayout, type FixtureEntry, type FixtureLayer } from '../fixtures/index.ts';

// A small Debian + npm image pair built by code, shaped like issue 4's realistic pair: security upgrades
// with changelogs naming CVEs, one new package with its library, an npm upgrade and a new dependency,
// an edited /etc file, a removed file; and a third image with a binary changed under an unchanged version.

const file = (path: string, content: string | Uint8Array, mode = 0o644): FixtureEntry => ({
  type: 'file',
  path,
  content,
  mode,
});
const bin = (path: string, content: string) => file(path, content, 0o755);
const npm = (dir: string, name: string, version: string, body: string): FixtureEntry[] => [
  file(`${dir}/package.json`, JSON.stringify({ name, version })),
  file(`${dir}/index.js`, `module.exports = ${JSON.stringify(body)};\n`),
];

const OPENSSL_OLD = '3.0.11-1~deb12u2';
const OPENSSL_NEW = '3.0.15-1~deb12u1';
const opensslChangelog = (pkg: string) =>
  gzipSync(
    debianChangelog(pkg, [
      {
        version: OPENSSL_NEW,
        suite: 'bookworm-security',
        text: 'New upstream. Fixes CVE-2024-5535 and CVE-2024-6119.',
      },
      { version: '3.0.13-1~deb12u1', suite: 'bookworm', text: 'Point release; CVE-2024-0727.' },
      { version: OPENSSL_OLD, suite: 'bookworm', text: 'CVE-2023-5678.' },
    ]),
  );

function debs(current: boolean): DebFixture[] {
  const openssl = current ? OPENSSL_NEW : OPENSSL_OLD;
  const list: DebFixture[] = [
    { name: 'bash', version: '5.2.15-2+b2', files: ['/bin/bash'] },
    { name: 'coreutils', version: '9.1-1', files: ['/usr/bin/tac'] },
    { name: 'login', version: '1:4.13+dfsg1-1', files: ['/etc/login.defs'], conffiles: ['/etc/login.defs'] },
    {
      name: 'openssl',
      version: openssl,
      files: ['/usr/bin/openssl', '/etc/ssl/openssl.cnf', '/usr/share/doc/openssl/changelog.Debian.gz'],
      conffiles: ['/etc/ssl/openssl.cnf'],
    },
    {
      name: 'libssl3',
      version: openssl,
      arch: 'amd64',
      multiArch: 'same',
      source: 'openssl',
      files: ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/share/doc/libssl3/changelog.Debian.gz'],
    },
  ];
  if (current) {
    list.push(
      { name: 'curl', version: '7.88.1-10+deb12u8', files: ['/usr/bin/curl'] },
      {
        name: 'libcurl4',
        version: '7.88.1-10+deb12u8',
        arch: 'amd64',
        multiArch: 'same',
        source: 'curl',
        files: ['/usr/lib/x86_64-linux-gnu/libcurl.so.4'],
      },
    );
  }
  return list;
}

function dbEntries(list: DebFixture[], override: Record<string, string | Uint8Array> = {}): FixtureEntry[] {
  const db = dpkgDatabase(list);
  return [...db].map(([path, text]) => file(path, override[path] ?? text));
}

const baseLayers: FixtureLayer[] = [
  {
    compression: 'gzip',
    entries: [
      file(
        '/etc/os-release',
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n',
      ),
      bin('/usr/bin/bash', 'bash 5.2.15'),
      bin('/usr/bin/tac', 'tac 9.1'),
      bin('/usr/bin/openssl', `openssl ${OPENSSL_OLD}`),
      file('/usr/lib/x86_64-linux-gnu/libssl.so.3', `libssl ${OPENSSL_OLD}`),
      file('/etc/ssl/openssl.cnf', '[openssl_init]\n'),
      file('/etc/login.defs', 'PASS_MAX_DAYS 99999\n'),
      file('/etc/app/feature-flags.conf', 'beta=false\n'),
      file('/etc/hostname', 'app\n'),
      ...dbEntries(debs(false)),
    ],
  },
  {
    compression: 'gzip',
    entries: [
      file('/app/package.json', JSON.stringify({ name: 'app', version: '1.0.0' })),
      ...npm('/app/node_modules/express', 'express', '4.18.2', 'express'),
      ...npm('/app/node_modules/lodash', 'lodash', '4.17.15', 'lodash old'),
    ],
  },
];

const currentLayers: FixtureLayer[] = [
  ...baseLayers,
  {
    compression: 'gzip',
    entries: [
      bin('/usr/bin/openssl', `openssl ${OPENSSL_NEW}`),
      file('/usr/lib/x86_64-linux-gnu/libssl.so.3', `libssl ${OPENSSL_NEW}`),
      file('/usr/share/doc/openssl/changelog.Debian.gz', opensslChangelog('openssl')),
      file('/usr/share/doc/libssl3/changelog.Debian.gz', opensslChangelog('openssl')),
      bin('/usr/bin/curl', 'curl 7.88.1'),
      file('/usr/lib/x86_64-linux-gnu/libcurl.so.4', 'libcurl 7.88.1'),
      ...dbEntries(debs(true)),
      ...npm('/app/node_modules/lodash', 'lodash', '4.17.21', 'lodash new'),
      ...npm('/app/node_modules/uuid', 'uuid', '9.0.1', 'uuid'),
      file('/etc/login.defs', 'PASS_MAX_DAYS 90\n'),
      { type: 'whiteout', path: '/etc/app/feature-flags.conf' },
    ],
  },
];

const rebuildLayers: FixtureLayer[] = [
  ...baseLayers,
  { compression: 'gzip', entries: [bin('/usr/bin/tac', 'tac 9.1 with an implant')] },
];
const corruptLayers: FixtureLayer[] = [
  ...currentLayers,
  {
    compression: 'gzip',
    entries: [file('/var/lib/dpkg/status', Buffer.from([0x50, 0x61, 0xff, 0xfe, 0x0a]))],
  },
];

let dir: string;
let env: Record<string, string>;
let layout: string;
const ref = (tag: string) => `oci:${layout}:${tag}`;

async function stella(...args: string[]) {
  const ctx = captureContext(env);
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

async function driftJson(...args: string[]): Promise<{ code: number; report: DriftReport; err: string }> {
  const r = await stella('drift', ...args, '--format', 'json');
  if (r.out === '') throw new Error(`no report (exit ${r.code}): ${r.err}`);
  return { code: r.code, report: DriftReport.parse(JSON.parse(r.out)), err: r.err };
}

const causeOf = (report: DriftReport, path: string) =>
  report.facets.flatMap((f) => [...f.added, ...f.removed, ...f.modified]).find((e) => e.path === path)?.cause;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-drift-'));
  env = { ZASTAVA_DATA_DIR: join(dir, 'data'), STELLA_SEALED_BY: 'ci@test' };
  layout = join(dir, 'layout');
  await writeOciLayout(layout, { layers: baseLayers }, { tag: 'base' });
  await writeOciLayout(layout, { layers: currentLayers }, { tag: 'current' });
  await writeOciLayout(layout, { layers: rebuildLayers }, { tag: 'rebuild' });
  await writeOciLayout(layout, { layers: corruptLayers }, { tag: 'corrupt' });
  expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'k'))).code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stella drift on images', () => {
  it('passes an image against itself (exit 0)', async () => {
    const { code, report } = await driftJson(ref('base'), ref('base'));
    expect(code).toBe(0);
    expect(report.decision).toBe('Pass');
    expect(report.facets.every((f) => f.score.totalChanges === 0)).toBe(true);
  });

  it('attributes every change of the pair to its cause', async () => {
    const { code, report } = await driftJson(ref('base'), ref('current'));
    expect(report.decision).toBe('Block');
    expect(code).toBe(4);
    expect(causeOf(report, '/usr/bin/openssl')).toBe('SecurityPatch');
    expect(causeOf(report, '/usr/lib/x86_64-linux-gnu/libssl.so.3')).toBe('SecurityPatch');
    expect(causeOf(report, '/usr/bin/curl')).toBe('NewDependency');
    expect(causeOf(report, '/usr/lib/x86_64-linux-gnu/libcurl.so.4')).toBe('NewDependency');
    expect(causeOf(report, '/app/node_modules/lodash/index.js')).toBe('PackageUpdate');
    expect(causeOf(report, '/app/node_modules/uuid/index.js')).toBe('NewDependency');
    expect(causeOf(report, '/etc/login.defs')).toBe('ConfigChange');
    expect(causeOf(report, '/etc/app/feature-flags.conf')).toBe('ConfigChange');
    const pkg = (name: string) => report.packages.find((p) => p.name === name);
    expect(pkg('openssl')).toMatchObject({
      ecosystem: 'deb',
      from: OPENSSL_OLD,
      to: OPENSSL_NEW,
      cause: 'SecurityPatch',
    });
    // Entries newer than the old version only: CVE-2023-5678 belongs to the old version itself.
    expect(pkg('openssl')!.cves.sort()).toEqual(['CVE-2024-0727', 'CVE-2024-5535', 'CVE-2024-6119']);
    expect(pkg('libssl3')).toMatchObject({
      cause: 'SecurityPatch',
      purl: `pkg:deb/debian/libssl3@${OPENSSL_NEW}?arch=amd64&distro=bookworm`,
    });
    expect(pkg('libcurl4')).toMatchObject({ cause: 'NewDependency', from: null });
    expect(pkg('lodash')).toMatchObject({
      ecosystem: 'npm',
      from: '4.17.15',
      to: '4.17.21',
      cause: 'PackageUpdate',
    });
    expect(pkg('uuid')).toMatchObject({ cause: 'NewDependency' });
    expect(pkg('bash')).toBeUndefined();
    const node = report.facets.find((f) => f.facetId === 'lang/node')!;
    expect(node.score).toMatchObject({ addedCount: 2, modifiedCount: 2, removedCount: 0 });
    expect(node.quotaVerdict.recommendedAction).toBe('RequireVex');
  });

  it('flags a binary changed under an unchanged package version as unexplained', async () => {
    const { report } = await driftJson(ref('base'), ref('rebuild'));
    expect(causeOf(report, '/usr/bin/tac')).toBe('BinaryRebuild');
    expect(report.packages).toEqual([
      expect.objectContaining({ name: 'coreutils', from: '9.1-1', to: '9.1-1', cause: 'BinaryRebuild' }),
    ]);
    const table = await stella('drift', ref('base'), ref('rebuild'), '--format', 'table');
    expect(table.out).toContain('what a tampered image looks like');
    expect(table.out).toMatch(/!!!\s+\/usr\/bin\/tac/);
  });

  it('keeps the report when a package database is corrupt: those files become Unknown, with a note', async () => {
    const { code, report } = await driftJson(ref('base'), ref('corrupt'));
    expect(code).toBe(4);
    expect(causeOf(report, '/usr/bin/openssl')).toBe('Unknown');
    expect(causeOf(report, '/app/node_modules/lodash/index.js')).toBe('PackageUpdate');
    expect(report.notes?.join('\n')).toContain('/var/lib/dpkg/status');
  });

  it('moves the exit threshold with --fail-on', async () => {
    expect(
      (await stella('drift', ref('base'), ref('current'), '--format', 'json', '--fail-on', 'never')).code,
    ).toBe(0);
    expect(
      (await stella('drift', ref('base'), ref('current'), '--format', 'json', '--fail-on', 'bogus')).code,
    ).toBe(2);
    const node = await stella(
      'drift',
      ref('base'),
      ref('current'),
      '--facet',
      'lang/node',
      '--format',
      'json',
    );
    expect(node.code).toBe(3);
    expect(
      (
        await stella(
          'drift',
          ref('base'),
          ref('current'),
          '--facet',
          'lang/node',
          '--fail-on',
          'block',
          '--format',
          'json',
        )
      ).code,
    ).toBe(0);
    expect((await stella('drift', ref('base'), ref('current'), '--facet', 'nope')).code).toBe(1);
  });

  it('takes unset quota fields of a facets file from the defaults', async () => {
    const facetsFile = join(dir, 'partial.yaml');
    await writeFile(
      facetsFile,
      'facets:\n  - facetId: lang/node\n    type: LangNode\n    includeGlobs: ["**/node_modules/**", "**/package.json"]\n    quota: { maxChurnPercent: 100 }\n  - facetId: config\n    type: Config\n    includeGlobs: ["/etc/**"]\n',
    );
    const { code, report } = await driftJson(ref('base'), ref('current'), '--facets', facetsFile);
    const node = report.facets.find((f) => f.facetId === 'lang/node')!;
    // 4 changes of 5 files: 80% churn ≤ 100; 4 ≤ 50 changed, 2 ≤ 25 added (defaults); onExceed defaults to Warn.
    expect(node.quotaVerdict).toEqual({ passed: true, violations: [], recommendedAction: 'Warn' });
    const config = report.facets.find((f) => f.facetId === 'config')!;
    expect(config.quotaVerdict.recommendedAction).toBe('Warn');
    expect(report.decision).toBe(config.quotaVerdict.passed ? 'Pass' : 'Warn');
    expect(code).toBe(0);
  });

  it('resolves quotas from FacetPolicy resources with --policy, as the webhook does', async () => {
    const policyFile = join(dir, 'policy.yaml');
    const policy = (kind: string, name: string, extra: string) =>
      `apiVersion: zastava.stellaops.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}spec:\n  imageRepositories: ["**"]\n`;
    await writeFile(
      policyFile,
      policy('FacetPolicy', 'lenient', '  namespace: shop\n') +
        '  quotas:\n    binary: { onExceed: Warn }\n' +
        '---\n' +
        policy('ClusterFacetPolicy', 'cluster', '') +
        '  quotas:\n    binary: { onExceed: Block, maxChurnPercent: 100 }\n    lang/node: { onExceed: Warn }\n',
    );
    // In namespace shop: binary Warn (namespaced policy), churn limit 100 (cluster policy), lang/node Warn.
    const shop = await driftJson(ref('base'), ref('current'), '--policy', policyFile, '--namespace', 'shop');
    expect(shop.report.facets.find((f) => f.facetId === 'binary')!.quotaVerdict).toMatchObject({
      passed: true,
    });
    expect(shop.report.decision).toBe('Warn');
    expect(shop.code).toBe(0);
    // Elsewhere only the cluster policy applies: binary passes on churn, lang/node warns.
    const other = await driftJson(ref('base'), ref('current'), '--policy', policyFile);
    expect(other.report.facets.find((f) => f.facetId === 'lang/node')!.quotaVerdict.recommendedAction).toBe(
      'Warn',
    );
  });

  it("takes one facet's limits from --quota, above --policy; a malformed --quota is a usage error", async () => {
    const policyFile = join(dir, 'policy.yaml');
    // policy.yaml (the test above): lang/node Warn everywhere; --quota makes it RequireVex again.
    const { code, report } = await driftJson(
      ref('base'),
      ref('current'),
      '--policy',
      policyFile,
      '--quota',
      'lang/node:maxChangedFiles=1,onExceed=RequireVex',
      '--facet',
      'lang/node',
    );
    expect(report.facets.map((f) => f.facetId)).toEqual(['lang/node']);
    expect(report.facets[0]!.quotaVerdict).toMatchObject({ passed: false, recommendedAction: 'RequireVex' });
    expect(code).toBe(3);
    for (const bad of ['lang/node', 'lang/node:maxChangedFiles=-1', 'lang/node:bogus=1']) {
      expect((await stella('drift', ref('base'), ref('current'), '--quota', bad)).code).toBe(2);
    }
    const twice = ['--quota', 'binary:maxChangedFiles=1', '--quota', 'binary:onExceed=Warn'];
    expect((await stella('drift', ref('base'), ref('current'), ...twice)).code).toBe(2);
  });

  it('prints markdown for a pull request', async () => {
    const md = await stella('drift', ref('base'), ref('current'), '--format', 'markdown');
    expect(md.out).toContain('### ⛔ Facet drift: **Block**');
    expect(md.out).toContain('| `lang/node` | 2 | 0 | 2 |');
  });
});

describe('stella drift on seals files', () => {
  let baseSeals: string;
  let curSeals: string;

  beforeAll(async () => {
    baseSeals = join(dir, 'base.seals.json');
    curSeals = join(dir, 'current.seals.json');
    for (const [tag, out] of [
      ['base', baseSeals],
      ['current', curSeals],
    ] as const) {
      const r = await stella(
        'seal',
        ref(tag),
        '--key',
        join(dir, 'k.key'),
        '--output',
        out,
        '--format',
        'json',
      );
      expect(r.code, r.err).toBe(0);
    }
  });

  it('gives the same counts from verified seals as from the images, in any mix', async () => {
    const images = (await driftJson(ref('base'), ref('current'))).report;
    const seals = await driftJson(baseSeals, curSeals, '--key', join(dir, 'k.pub'));
    const mixed = await driftJson(baseSeals, ref('current'), '--key', join(dir, 'k.pub'));
    const counts = (r: DriftReport) => r.facets.map((f) => [f.facetId, f.score]);
    expect(counts(seals.report)).toEqual(counts(images));
    expect(counts(mixed.report)).toEqual(counts(images));
    expect(seals.report.notes?.[0]).toContain('seals file');
  });

  it('refuses a seal that fails verification unless --no-verify', async () => {
    const set = JSON.parse(await readFile(curSeals, 'utf8')) as {
      seals: { manifest: { files: { contentHash: string }[] } }[];
    };
    const victim = set.seals.find((s) => s.manifest.files.length > 0)!;
    victim.manifest.files[0]!.contentHash = `sha256:${createHash('sha256').update('forged').digest('hex')}`;
    const tampered = join(dir, 'tampered.seals.json');
    await writeFile(tampered, JSON.stringify(set));
    const refused = await stella(
      'drift',
      baseSeals,
      tampered,
      '--key',
      join(dir, 'k.pub'),
      '--format',
      'json',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('error[DRIFT_SEAL_INVALID]');
    expect((await stella('drift', baseSeals, tampered, '--no-verify', '--format', 'json')).code).not.toBe(1);
    expect((await stella('drift', baseSeals, curSeals, '--format', 'json')).code).toBe(2);
  });

  it('refuses seals made with different facet definitions, saying so', async () => {
    const facetsFile = join(dir, 'facets.yaml');
    await writeFile(
      facetsFile,
      'facets:\n  - facetId: os\n    type: OS\n    includeGlobs: ["/var/lib/dpkg/**"]\n  - facetId: everything\n    type: Custom\n    includeGlobs: ["/**"]\n',
    );
    const other = join(dir, 'other.seals.json');
    expect(
      (
        await stella(
          'seal',
          ref('current'),
          '--key',
          join(dir, 'k.key'),
          '--facets',
          facetsFile,
          '--output',
          other,
        )
      ).code,
    ).toBe(0);
    const r = await stella('drift', baseSeals, other, '--key', join(dir, 'k.pub'), '--format', 'json');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error[DRIFT_FACET_DEFINITIONS_DIFFER]');
    expect(r.err).toContain('different facet definitions');
  });
});

describe('stella vex gen and sign', () => {
  it('drafts a valid OpenVEX document whose fixed statements name the current image digest', async () => {
    const r = await stella(
      'vex',
      'gen',
      '--from-drift',
      ref('base'),
      ref('current'),
      '--author',
      'sec@example.org',
    );
    expect(r.code, r.err).toBe(0);
    const doc = OpenVexDocument.parse(JSON.parse(r.out));
    const { report } = await driftJson(ref('base'), ref('current'));
    const fixed = doc.statements.filter((s) => s.status === 'fixed');
    expect(fixed.map((s) => s.vulnerability.name).sort()).toEqual([
      'CVE-2024-0727',
      'CVE-2024-5535',
      'CVE-2024-6119',
    ]);
    for (const s of fixed) expect(s.products![0]!['@id']).toContain(`@${report.current.imageDigest}`);
    const acks = doc.statements.filter((s) => s.status === 'not_affected');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.vulnerability.name).toContain('lang/node');

    // Sign the draft: admission refuses the placeholder; once a reviewer writes the impact, it is accepted.
    const trust = staticTrust([await readPublicKeyFile(join(dir, 'k.pub'))]);
    const node = report.facets.find((f) => f.facetId === 'lang/node')!;
    const binding = {
      imageDigest: report.current.imageDigest,
      facetId: 'lang/node',
      baselineRoot: node.baselineMerkleRoot,
      currentRoot: node.currentMerkleRoot,
    };
    const draftFile = join(dir, 'draft.vex.json');
    await writeFile(draftFile, r.out);
    const signedDraft = await stella('vex', 'sign', draftFile, '--key', join(dir, 'k.key'));
    expect(signedDraft.err).toContain('placeholder');
    expect(verifyVexForAdmission(JSON.parse(signedDraft.out), trust, binding)).toMatchObject({
      acknowledged: false,
      code: 'VEX_PLACEHOLDER_IMPACT',
    });

    acks[0]!.impact_statement = 'lodash security upgrade and uuid for request ids, reviewed in PR 42';
    await writeFile(draftFile, JSON.stringify(doc));
    const signed = await stella('vex', 'sign', draftFile, '--key', join(dir, 'k.key'));
    expect(signed.code).toBe(0);
    expect(verifyVexForAdmission(JSON.parse(signed.out), trust, binding)).toMatchObject({
      acknowledged: true,
    });
  });

  it('refuses to sign a document that is not OpenVEX', async () => {
    const bad = join(dir, 'bad.vex.json');
    await writeFile(bad, JSON.stringify({ hello: 'world' }));
    const r = await stella('vex', 'sign', bad, '--key', join(dir, 'k.key'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('error[VEX_DOCUMENT_INVALID]');
  });
});
