import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { compileClassifier } from '../../src/facets/classifier.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { DriftReport } from '../../src/model/drift.ts';
import { OpenVexDocument } from '../../src/vex/index.ts';
import { unpackWithUmoci } from '../fixtures/index.ts';
import { buildRealisticCorpus, type RealisticCorpus } from '../fixtures/realistic/corpus.ts';

// Issue 4's acceptance on the realistic pair (test/fixtures/realistic): a Debian bookworm base at its point
// release against the same plus the security suite's upgrades and one new package with its libraries, an
// npm upgrade and a new npm dependency, an edited /etc file and a removed file. The drift must equal an
// independent computation over the two images unpacked by umoci, and the causes must match what the
// build script recorded it did.

interface Leaf {
  type: 'file' | 'symlink';
  hash: string;
  size: number;
  mode: string;
}

/** Every regular file and symlink of an unpacked tree, hashed, by absolute path (no extractor code). */
async function walk(root: string): Promise<Map<string, Leaf>> {
  const out = new Map<string, Leaf>();
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const abs = join(dir, name);
      const path = `${rel}/${name}`;
      const st = await lstat(abs);
      if (st.isDirectory()) await visit(abs, path);
      else if (st.isSymbolicLink()) {
        const target = Buffer.from(await readlink(abs, { encoding: 'buffer' }));
        out.set(path, { type: 'symlink', hash: sha256(target), size: target.length, mode: '0777' });
      } else if (st.isFile()) {
        const h = createHash('sha256');
        for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer);
        out.set(path, {
          type: 'file',
          hash: `sha256:${h.digest('hex')}`,
          size: st.size,
          mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
        });
      }
    }
  };
  await visit(root, '');
  return out;
}

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Expected {
  added: string[];
  removed: string[];
  modified: string[];
  baseCount: number;
}

/** Classify both trees with the facet classifier and diff them per facet. */
function independentDrift(base: Map<string, Leaf>, cur: Map<string, Leaf>): Map<string, Expected> {
  const classifier = compileClassifier(defaultFacets());
  const byFacet = new Map<string, Expected>(
    classifier.facets.map((f) => [f.facetId, { added: [], removed: [], modified: [], baseCount: 0 }]),
  );
  const facetOf = (path: string) => classifier.facets[classifier.classify(path)]?.facetId;
  for (const [path, leaf] of base) {
    const facet = facetOf(path);
    if (facet === undefined) continue;
    const e = byFacet.get(facet)!;
    e.baseCount++;
    const other = cur.get(path);
    if (other === undefined) e.removed.push(path);
    else if (
      other.type !== leaf.type ||
      other.hash !== leaf.hash ||
      other.size !== leaf.size ||
      other.mode !== leaf.mode
    )
      e.modified.push(path);
  }
  for (const path of cur.keys()) {
    const facet = facetOf(path);
    if (facet !== undefined && !base.has(path)) byFacet.get(facet)!.added.push(path);
  }
  for (const e of byFacet.values()) for (const list of [e.added, e.removed, e.modified]) list.sort();
  return byFacet;
}

let corpus: RealisticCorpus;
let dir: string;
let report: DriftReport;

async function stella(...args: string[]) {
  const ctx = captureContext({ ZASTAVA_DATA_DIR: join(dir, 'data') });
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

const stripArch = (name: string) => name.replace(/:[a-z0-9]+$/, '');
const entries = (r: DriftReport) => r.facets.flatMap((f) => [...f.added, ...f.removed, ...f.modified]);

beforeAll(async () => {
  corpus = await buildRealisticCorpus();
  dir = await mkdtemp(join(tmpdir(), 'zastava-drift-realistic-'));
  const r = await stella('drift', corpus.baseRef, corpus.currentRef, '--format', 'json');
  expect(r.out, r.err).not.toBe('');
  report = DriftReport.parse(JSON.parse(r.out));
}, 1_800_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('drift on the realistic pair (issue 4 acceptance)', () => {
  it('equals an independent computation over the two images unpacked by umoci', async () => {
    const base = await walk(await unpackWithUmoci(corpus.layout, corpus.baseTag, join(dir, 'base')));
    const cur = await walk(await unpackWithUmoci(corpus.layout, corpus.currentTag, join(dir, 'current')));
    const expected = independentDrift(base, cur);
    for (const facet of report.facets) {
      const want = expected.get(facet.facetId)!;
      const paths = (list: { path: string }[]) => list.map((e) => e.path).sort();
      expect({
        facet: facet.facetId,
        added: paths(facet.added),
        removed: paths(facet.removed),
        modified: paths(facet.modified),
      }).toEqual({
        facet: facet.facetId,
        added: want.added,
        removed: want.removed,
        modified: want.modified,
      });
      const total = want.added.length + want.removed.length + want.modified.length;
      const churn = want.baseCount === 0 ? (want.added.length > 0 ? 100 : 0) : (100 * total) / want.baseCount;
      expect(facet.score).toEqual({
        totalChanges: total,
        churnPercent: churn,
        addedCount: want.added.length,
        removedCount: want.removed.length,
        modifiedCount: want.modified.length,
      });
    }
    expect(report.facets.map((f) => f.facetId)).toEqual([...expected.keys()]);
  }, 600000);

  it('calls the security-suite upgrades SecurityPatch with the CVE ids of their newer changelog entries', () => {
    const upgrades = corpus.changes.debian.securityUpgrades;
    expect(upgrades.length).toBeGreaterThan(0);
    for (const u of upgrades) {
      const pkg = report.packages.find((p) => p.ecosystem === 'deb' && p.name === stripArch(u.name));
      expect(pkg, u.name).toMatchObject({ from: u.from, to: u.to, cause: 'SecurityPatch' });
      if (u.changelog) expect([...pkg!.cves].sort(), u.name).toEqual([...u.cves].sort());
    }
  });

  it('calls the new package and its libraries NewDependency', () => {
    const names = corpus.changes.debian.newPackages.map((p) => stripArch(p.name));
    expect(names).toContain(stripArch(corpus.changes.debian.requested));
    for (const name of names) {
      expect(
        report.packages.find((p) => p.ecosystem === 'deb' && p.name === name),
        name,
      ).toMatchObject({ cause: 'NewDependency', from: null });
    }
  });

  it('calls the npm upgrade PackageUpdate and the new npm dependency NewDependency', () => {
    const npm = report.packages.filter((p) => p.ecosystem === 'npm');
    for (const u of corpus.changes.npm.upgraded) {
      expect(
        npm.find((p) => p.location === u.path),
        u.path,
      ).toMatchObject({ from: u.from, to: u.to, cause: 'PackageUpdate' });
    }
    for (const a of corpus.changes.npm.added) {
      expect(
        npm.find((p) => p.location === a.path),
        a.path,
      ).toMatchObject({ to: a.version, cause: 'NewDependency' });
    }
    expect(corpus.changes.npm.upgraded.length + corpus.changes.npm.added.length).toBeGreaterThan(0);
  });

  it('calls the edited /etc file and the removed file ConfigChange', () => {
    for (const path of [...corpus.changes.editedPaths, ...corpus.changes.removedPaths]) {
      expect(
        entries(report).find((e) => e.path === path),
        path,
      ).toMatchObject({ cause: 'ConfigChange' });
    }
  });

  it('calls a binary changed under an unchanged package version BinaryRebuild, flagged as unexplained', async () => {
    const { path, package: pkg, version } = corpus.changes.rebuild;
    const r = await stella('drift', corpus.baseRef, corpus.rebuildRef, '--format', 'json');
    const rebuilt = DriftReport.parse(JSON.parse(r.out));
    expect(entries(rebuilt).find((e) => e.path === path)).toMatchObject({
      cause: 'BinaryRebuild',
      package: `deb:${pkg}`,
    });
    expect(rebuilt.packages.find((p) => p.name === pkg)).toMatchObject({
      from: version,
      to: version,
      cause: 'BinaryRebuild',
    });
    const table = await stella('drift', corpus.baseRef, corpus.rebuildRef, '--format', 'table');
    expect(table.out).toContain('what a tampered image looks like');
    expect(table.out).toContain(path);
  }, 600000);

  it('generates a valid OpenVEX document whose fixed statements name the current image digest', async () => {
    const r = await stella(
      'vex',
      'gen',
      '--from-drift',
      corpus.baseRef,
      corpus.currentRef,
      '--author',
      'ci@example.org',
    );
    expect(r.code, r.err).toBe(0);
    const doc = OpenVexDocument.parse(JSON.parse(r.out));
    const fixed = doc.statements.filter((s) => s.status === 'fixed');
    const cves = new Set(report.packages.filter((p) => p.cause === 'SecurityPatch').flatMap((p) => p.cves));
    expect(new Set(fixed.map((s) => s.vulnerability.name))).toEqual(cves);
    for (const s of fixed) expect(s.products![0]!['@id']).toContain(`@${report.current.imageDigest}`);
  }, 600000);
});
