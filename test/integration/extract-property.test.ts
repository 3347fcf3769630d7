import fc from 'fast-check';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractImage } from '../../src/extract/index.ts';
import { memorySource, sha256 } from '../../src/image/memory-source.ts';
import type { FacetDefinition } from '../../src/model/facet.ts';
import type { FacetFileEntry } from '../../src/model/manifest.ts';
import { buildLayerTar, type FixtureEntry } from '../fixtures/index.ts';
import { expectPreparedOfEntries } from '../fixtures/prepared-entries.ts';

/**
 * Property: for random stacks of layers, the extractor's entries equal those of a deliberately naive
 * model of SPEC §4 (a flat map, subtrees found by scanning every key).
 */
type Op =
  | { type: 'file'; path: string; content: string; mode: number; mtime: number }
  | { type: 'dir'; path: string }
  | { type: 'symlink'; path: string; target: string; mtime: number }
  | { type: 'hardlink'; path: string; target: string }
  | { type: 'whiteout'; path: string }
  | { type: 'opaque'; dir: string };

type Node =
  | { kind: 'file'; content: string; mode: number; mtime: number }
  | { kind: 'symlink'; target: string; mtime: number }
  | { kind: 'dir' };

const FACETS: FacetDefinition[] = [
  { facetId: 'a', type: 'Custom', includeGlobs: ['/a/**'], excludeGlobs: [] },
  { facetId: 'b', type: 'Custom', includeGlobs: ['/b/**', '/é'], excludeGlobs: [] },
];
const SEGMENTS = ['a', 'b', 'c', 'é', '😀'];
const MTIMES = [0, 1_000_000_000, 1_704_067_200];

const pathArb = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 })
  .map((s) => `/${s.join('/')}`);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('file' as const),
      path: pathArb,
      content: fc.string({ maxLength: 40 }),
      mode: fc.constantFrom(0o644, 0o755, 0o4755, 0o1777, 0o600),
      mtime: fc.constantFrom(...MTIMES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('dir' as const), path: pathArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('symlink' as const),
      path: pathArb,
      target: fc.constantFrom('a', '/b/c', '../x', 'é'),
      mtime: fc.constantFrom(...MTIMES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('hardlink' as const), path: pathArb, target: pathArb }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('whiteout' as const), path: pathArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('opaque' as const), dir: pathArb }) },
);

const keyOf = (op: Op): string =>
  op.type === 'opaque' ? `opq:${op.dir}` : op.type === 'whiteout' ? `wh:${op.path}` : op.path;
const isUnder = (path: string, dir: string): boolean => path.startsWith(`${dir}/`);

/** A layer a real tar writer could produce: no repeated path, nothing below a non-directory of the same layer. */
function wellFormed(ops: Op[]): boolean {
  const keys = ops.map(keyOf);
  if (new Set(keys).size !== keys.length) return false;
  const nonDirs = ops
    .filter((o) => o.type === 'file' || o.type === 'symlink' || o.type === 'hardlink')
    .map((o) => (o as { path: string }).path);
  const all = ops.map((o) =>
    o.type === 'opaque' ? `${o.dir}/.wh..wh..opq` : o.type === 'whiteout' ? o.path : o.path,
  );
  return !nonDirs.some((nd) => all.some((p) => isUnder(p, nd)));
}

const layerArb = fc.array(opArb, { minLength: 1, maxLength: 8 }).filter(wellFormed);
const imageArb = fc.record({
  layers: fc.array(fc.record({ ops: layerArb, compression: fc.constantFrom('none', 'gzip', 'zstd') }), {
    minLength: 1,
    maxLength: 4,
  }),
  chunk: fc.integer({ min: 1, max: 3000 }),
});

function deleteTree(state: Map<string, Node>, path: string): void {
  state.delete(path);
  for (const key of [...state.keys()]) if (isUnder(key, path)) state.delete(key);
}

function model(layers: Op[][]): { entries: FacetFileEntry[][]; unmatched: number } {
  const state = new Map<string, Node>();
  const isDir = (p: string): boolean => p === '/' || state.get(p)?.kind === 'dir';
  const parent = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';
  for (const ops of layers) {
    for (const op of ops) {
      if (op.type === 'whiteout' && isDir(parent(op.path))) deleteTree(state, op.path);
      if (op.type === 'opaque' && isDir(op.dir))
        for (const key of [...state.keys()]) if (isUnder(key, op.dir)) state.delete(key);
    }
    for (const op of ops) {
      if (op.type === 'whiteout' || op.type === 'opaque') continue;
      const segments = op.path.split('/').slice(1, -1);
      for (let i = 1; i <= segments.length; i++) {
        const ancestor = `/${segments.slice(0, i).join('/')}`;
        if (!isDir(ancestor)) {
          deleteTree(state, ancestor);
          state.set(ancestor, { kind: 'dir' });
        }
      }
      if (op.type === 'dir') {
        if (!isDir(op.path)) {
          deleteTree(state, op.path);
          state.set(op.path, { kind: 'dir' });
        }
        continue;
      }
      let node: Node | undefined;
      if (op.type === 'file') node = { kind: 'file', content: op.content, mode: op.mode, mtime: op.mtime };
      else if (op.type === 'symlink') node = { kind: 'symlink', target: op.target, mtime: op.mtime };
      else {
        const target = state.get(op.target);
        node = target?.kind === 'file' || target?.kind === 'symlink' ? { ...target } : undefined;
      }
      if (node === undefined) continue; // a hard link to nothing: an anomaly, not an entry
      deleteTree(state, op.path);
      state.set(op.path, node);
    }
  }
  const entries: FacetFileEntry[][] = [[], []];
  let unmatched = 0;
  for (const [path, node] of state) {
    // `/a/**` matches `/a` itself: `**` spans zero segments too (SPEC §5).
    const facet =
      path === '/a' || path.startsWith('/a/')
        ? 0
        : path === '/b' || path.startsWith('/b/') || path === '/é'
          ? 1
          : -1;
    if (node.kind === 'file' && facet < 0) unmatched++;
    if (facet < 0 || node.kind === 'dir') continue;
    const modTime = new Date(node.mtime * 1000).toISOString();
    if (node.kind === 'file') {
      const bytes = Buffer.from(node.content);
      entries[facet]!.push({
        path,
        type: 'file',
        contentHash: sha256(bytes),
        size: bytes.byteLength,
        mode: (node.mode & 0o7777).toString(8).padStart(4, '0'),
        modTime,
      });
    } else {
      const bytes = Buffer.from(node.target);
      entries[facet]!.push({
        path,
        type: 'symlink',
        contentHash: sha256(bytes),
        size: bytes.byteLength,
        mode: '0777',
        modTime,
        linkTarget: node.target,
      });
    }
  }
  for (const list of entries) list.sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
  return { entries, unmatched };
}

function fixtureEntries(ops: Op[]): FixtureEntry[] {
  return ops.map((op): FixtureEntry => {
    switch (op.type) {
      case 'file':
        return {
          type: 'file',
          path: op.path,
          content: op.content,
          mode: op.mode,
          mtime: new Date(op.mtime * 1000),
        };
      case 'symlink':
        return { type: 'symlink', path: op.path, target: op.target, mtime: new Date(op.mtime * 1000) };
      default:
        return op;
    }
  });
}

async function image(
  layers: Array<{ ops: Op[]; compression: string }>,
  chunk: number,
): Promise<ReturnType<typeof memorySource>> {
  const built = [];
  for (const layer of layers) {
    const tar = await buildLayerTar(fixtureEntries(layer.ops));
    const blob =
      layer.compression === 'gzip'
        ? zlib.gzipSync(tar)
        : layer.compression === 'zstd'
          ? zlib.zstdCompressSync(tar)
          : tar;
    built.push({ blob, diffId: sha256(tar) });
  }
  return memorySource(built, { chunkSize: chunk });
}

describe('extractImage against a model of SPEC §4 (fast-check)', () => {
  it('random layer stacks give the model’s entries', async () => {
    await fc.assert(
      fc.asyncProperty(imageArb, async ({ layers, chunk }) => {
        const { source, resolved } = await image(layers, chunk);
        const result = await extractImage(source, resolved, { facets: FACETS, inline: true });
        const expected = model(layers.map((l) => l.ops));
        expect(result.entriesByFacet).toEqual(expected.entries);
        expect(result.report.unmatchedFiles).toBe(expected.unmatched);
        expectPreparedOfEntries(result);
      }),
      { numRuns: 250 },
    );
  });

  it('worker threads agree with the model too', async () => {
    await fc.assert(
      fc.asyncProperty(imageArb, async ({ layers, chunk }) => {
        const { source, resolved } = await image(layers, chunk);
        const result = await extractImage(source, resolved, {
          facets: FACETS,
          inline: false,
          concurrency: 2,
        });
        expect(result.entriesByFacet).toEqual(model(layers.map((l) => l.ops)).entries);
        expectPreparedOfEntries(result);
      }),
      { numRuns: 4 },
    );
  });
});
