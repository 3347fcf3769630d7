import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extractImage,
  extractRootfs,
  type ExtractOptions,
  type ExtractionResult,
} from '../../src/extract/index.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { openImage } from '../../src/image/index.ts';
import type { FacetDefinition } from '../../src/model/facet.ts';
import { isZastavaError } from '../../src/model/errors.ts';
import type { FacetFileEntry } from '../../src/model/manifest.ts';
import { sha256, unpackWithUmoci, writeOciLayout, type FixtureLayer } from '../fixtures/index.ts';
import { expectPreparedOfEntries } from '../fixtures/prepared-entries.ts';

/**
 * SPEC §4 layer semantics, one image per case, built by the fixture code and read back through `oci:`
 * (small images are read on the calling thread; one test compares with worker threads). Every case is also unpacked by umoci, an independent
 * implementation of layer application, and `rootfs:` over its tree must give the same entries.
 */
const ALL: FacetDefinition[] = [{ facetId: 'all', type: 'Custom', includeGlobs: ['/**'], excludeGlobs: [] }];
const hash = (s: string | Uint8Array): string => sha256(typeof s === 'string' ? Buffer.from(s) : s);

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zastava-semantics-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function build(layers: FixtureLayer[]): Promise<string> {
  const dir = join(work, `img-${n++}`);
  await writeOciLayout(dir, { layers });
  return dir;
}

async function extract(dir: string, options: Partial<ExtractOptions> = {}): Promise<ExtractionResult> {
  const opened = await openImage(`oci:${dir}`);
  if (opened.kind !== 'image') throw new Error('expected an image');
  try {
    const resolved = await opened.source.resolve();
    const result = await extractImage(opened.source, resolved, { facets: ALL, ...options });
    expectPreparedOfEntries(result);
    return result;
  } finally {
    await opened.source.close();
  }
}

function files(result: ExtractionResult, facet = 0): Map<string, FacetFileEntry> {
  return new Map(result.entriesByFacet[facet]!.map((e) => [e.path, e]));
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return {
      code: isZastavaError(error) ? error.code : 'not a ZastavaError',
      message: (error as Error).message,
    };
  }
  return { code: 'no error', message: '' };
}

interface Case {
  name: string;
  layers: FixtureLayer[];
  check: (paths: Map<string, FacetFileEntry>, result: ExtractionResult) => void;
  /** False where umoci cannot be the reference (device nodes need CAP_MKNOD). */
  umoci?: boolean;
}

const CASES: Case[] = [
  {
    name: 'a whiteout removes a file of a lower layer',
    layers: [
      {
        entries: [
          { type: 'file', path: '/etc/a', content: 'a' },
          { type: 'file', path: '/etc/b', content: 'b' },
        ],
      },
      { entries: [{ type: 'whiteout', path: '/etc/a' }] },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/etc/b']);
    },
  },
  {
    name: 'a whiteout removes a directory and everything below it',
    layers: [
      {
        entries: [
          { type: 'dir', path: '/d' },
          { type: 'file', path: '/d/x', content: 'x' },
          { type: 'file', path: '/d/sub/y', content: 'y' },
          { type: 'file', path: '/keep', content: 'k' },
        ],
      },
      { entries: [{ type: 'whiteout', path: '/d' }] },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/keep']);
    },
  },
  {
    name: 'an opaque directory hides lower children and keeps its own layer’s',
    layers: [
      {
        entries: [
          { type: 'file', path: '/d/old', content: 'old' },
          { type: 'file', path: '/d/sub/deep', content: 'deep' },
          { type: 'file', path: '/e/x', content: 'x' },
        ],
      },
      {
        entries: [
          { type: 'file', path: '/d/new', content: 'new' },
          { type: 'opaque', dir: '/d' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()].sort()).toEqual(['/d/new', '/e/x']);
    },
  },
  {
    name: 'a whiteout then a re-creation of the same path in one layer keeps the new one',
    layers: [
      {
        entries: [
          { type: 'file', path: '/a/f', content: 'old' },
          { type: 'file', path: '/a/g', content: 'g' },
        ],
      },
      {
        entries: [
          { type: 'whiteout', path: '/a' },
          { type: 'file', path: '/a/f', content: 'new' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/a/f']);
      expect(p.get('/a/f')!.contentHash).toBe(hash('new'));
    },
  },
  {
    name: 'a re-creation then a whiteout of the same path in one layer keeps the new one (tar order does not matter)',
    layers: [
      {
        entries: [
          { type: 'file', path: '/a/f', content: 'old' },
          { type: 'file', path: '/a/g', content: 'g' },
        ],
      },
      {
        entries: [
          { type: 'file', path: '/a/f', content: 'new' },
          { type: 'whiteout', path: '/a' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/a/f']);
      expect(p.get('/a/f')!.contentHash).toBe(hash('new'));
    },
  },
  {
    name: '`rm -rf /d; mkdir /d` in one layer leaves none of the deleted files (opaque form)',
    layers: [
      {
        entries: [
          { type: 'file', path: '/d/1', content: '1' },
          { type: 'file', path: '/d/2/3', content: '3' },
        ],
      },
      {
        entries: [
          { type: 'dir', path: '/d' },
          { type: 'opaque', dir: '/d' },
          { type: 'file', path: '/d/fresh', content: 'f' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/d/fresh']);
    },
  },
  {
    name: '`rm -rf /d; mkdir /d` in one layer leaves none of the deleted files (whiteout form)',
    layers: [
      {
        entries: [
          { type: 'file', path: '/d/1', content: '1' },
          { type: 'file', path: '/d/2/3', content: '3' },
        ],
      },
      {
        entries: [
          { type: 'dir', path: '/d' },
          { type: 'whiteout', path: '/d/1' },
          { type: 'whiteout', path: '/d/2' },
        ],
      },
    ],
    check: (p) => {
      expect(p.size).toBe(0);
    },
  },
  {
    name: '`.wh.a` then a re-created `a/` in a later layer does not bring back old files',
    layers: [
      { entries: [{ type: 'file', path: '/a/old', content: 'old' }] },
      { entries: [{ type: 'whiteout', path: '/a' }] },
      {
        entries: [
          { type: 'dir', path: '/a' },
          { type: 'file', path: '/a/new', content: 'new' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/a/new']);
    },
  },
  {
    name: 'a hard link whose target a later layer rewrites keeps the old content',
    layers: [
      {
        entries: [
          { type: 'file', path: '/usr/bin/tool', content: 'version 1', mode: 0o755 },
          { type: 'hardlink', path: '/usr/bin/tool-alias', target: '/usr/bin/tool' },
        ],
      },
      { entries: [{ type: 'file', path: '/usr/bin/tool', content: 'version 2, longer', mode: 0o700 }] },
    ],
    check: (p) => {
      expect(p.get('/usr/bin/tool-alias')).toMatchObject({
        type: 'file',
        contentHash: hash('version 1'),
        size: 9,
        mode: '0755',
      });
      expect(p.get('/usr/bin/tool')).toMatchObject({
        contentHash: hash('version 2, longer'),
        size: 17,
        mode: '0700',
      });
    },
  },
  {
    name: 'a hard link to a file of a lower layer takes its content, size and mode (not size 0)',
    layers: [
      { entries: [{ type: 'file', path: '/lib/libx.so.1', content: 'ELF…', mode: 0o644 }] },
      { entries: [{ type: 'hardlink', path: '/lib/libx.so', target: '/lib/libx.so.1' }] },
    ],
    check: (p) => {
      expect(p.get('/lib/libx.so')).toMatchObject({
        type: 'file',
        contentHash: hash('ELF…'),
        size: Buffer.byteLength('ELF…'),
        mode: '0644',
      });
    },
  },
  {
    name: 'a hard link to a symlink is that symlink, not a resolved file (no false cycle)',
    layers: [
      {
        entries: [
          { type: 'file', path: '/y', content: 'y' },
          { type: 'symlink', path: '/x', target: 'y' },
          { type: 'hardlink', path: '/z', target: '/x' },
          { type: 'symlink', path: '/loop', target: 'loop' },
          { type: 'hardlink', path: '/loop2', target: '/loop' },
        ],
      },
    ],
    check: (p) => {
      expect(p.get('/z')).toMatchObject({ type: 'symlink', linkTarget: 'y' });
      expect(p.get('/loop2')).toMatchObject({ type: 'symlink', linkTarget: 'loop' });
    },
  },
  {
    name: 'a file replaced by a directory',
    layers: [
      { entries: [{ type: 'file', path: '/p', content: 'file' }] },
      {
        entries: [
          { type: 'dir', path: '/p' },
          { type: 'file', path: '/p/child', content: 'c' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/p/child']);
    },
  },
  {
    name: 'a directory replaced by a file loses its subtree',
    layers: [
      {
        entries: [
          { type: 'file', path: '/p/a', content: 'a' },
          { type: 'file', path: '/p/b/c', content: 'c' },
        ],
      },
      { entries: [{ type: 'file', path: '/p', content: 'now a file' }] },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/p']);
      expect(p.get('/p')!.contentHash).toBe(hash('now a file'));
    },
  },
  {
    name: 'a file replaced by a symlink',
    layers: [
      { entries: [{ type: 'file', path: '/bin/sh', content: 'shell' }] },
      { entries: [{ type: 'symlink', path: '/bin/sh', target: 'dash' }] },
    ],
    check: (p) => {
      expect(p.get('/bin/sh')).toEqual({
        path: '/bin/sh',
        type: 'symlink',
        contentHash: hash('dash'),
        size: 4,
        mode: '0777',
        modTime: '2024-01-01T00:00:00.000Z',
        linkTarget: 'dash',
      });
    },
  },
  {
    name: 'a symlink replaced by a file, and a directory replaced by a symlink',
    layers: [
      {
        entries: [
          { type: 'symlink', path: '/s', target: 'x' },
          { type: 'file', path: '/d/f', content: 'f' },
        ],
      },
      {
        entries: [
          { type: 'file', path: '/s', content: 'real' },
          { type: 'symlink', path: '/d', target: '/elsewhere' },
        ],
      },
    ],
    check: (p) => {
      expect(p.get('/s')).toMatchObject({ type: 'file', contentHash: hash('real') });
      expect(p.get('/d')).toMatchObject({ type: 'symlink', linkTarget: '/elsewhere' });
      expect(p.has('/d/f')).toBe(false);
    },
  },
  {
    name: 'setuid, setgid and sticky modes are kept as four octal digits',
    layers: [
      {
        entries: [
          { type: 'file', path: '/usr/bin/sudo', content: 's', mode: 0o4755 },
          { type: 'file', path: '/usr/bin/wall', content: 'w', mode: 0o2755 },
          { type: 'file', path: '/tmp/sticky', content: 't', mode: 0o1777 },
          { type: 'file', path: '/plain', content: 'p', mode: 0o600 },
        ],
      },
    ],
    check: (p) => {
      expect(p.get('/usr/bin/sudo')!.mode).toBe('4755');
      expect(p.get('/usr/bin/wall')!.mode).toBe('2755');
      expect(p.get('/tmp/sticky')!.mode).toBe('1777');
      expect(p.get('/plain')!.mode).toBe('0600');
    },
  },
  {
    name: '`./` name prefixes',
    layers: [
      {
        namePrefix: './',
        entries: [
          { type: 'file', path: '/etc/x', content: 'x' },
          { type: 'hardlink', path: '/etc/y', target: '/etc/x' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/etc/x', '/etc/y']);
      expect(p.get('/etc/y')!.contentHash).toBe(hash('x'));
    },
  },
  {
    name: '`/` name prefixes',
    layers: [
      {
        entries: [
          { type: 'file', path: '/etc/x', content: 'x' },
          { type: 'file', path: '/etc/z', content: 'z' },
        ],
      },
      {
        namePrefix: '/',
        entries: [
          { type: 'file', path: '/etc/y', content: 'y' },
          { type: 'whiteout', path: '/etc/z' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/etc/x', '/etc/y']);
    },
  },
  {
    name: 'PAX long names',
    layers: [
      {
        pax: true,
        entries: [
          { type: 'file', path: `/opt/${'long-directory-name/'.repeat(12)}file.txt`, content: 'deep' },
          { type: 'symlink', path: `/opt/${'l'.repeat(150)}`, target: `/${'t'.repeat(200)}` },
        ],
      },
    ],
    check: (p) => {
      expect(p.get(`/opt/${'long-directory-name/'.repeat(12)}file.txt`)!.contentHash).toBe(hash('deep'));
      expect(p.get(`/opt/${'l'.repeat(150)}`)!.linkTarget).toBe(`/${'t'.repeat(200)}`);
    },
  },
  {
    name: 'UTF-8 names, characters outside the BMP included, ordered by UTF-8 bytes',
    layers: [
      {
        entries: [
          { type: 'file', path: '/u/\u{1F600}', content: 'emoji' },
          { type: 'file', path: '/u/\uE000', content: 'private use' },
          { type: 'file', path: '/u/\uFF61', content: 'halfwidth' },
          { type: 'file', path: '/u/é', content: 'e acute' },
          { type: 'file', path: '/u/z', content: 'z' },
        ],
      },
    ],
    check: (_p, result) => {
      expect(result.entriesByFacet[0]!.map((e) => e.path)).toEqual([
        '/u/z',
        '/u/é',
        '/u/\uE000',
        '/u/\uFF61',
        '/u/\u{1F600}',
      ]);
    },
  },
  {
    name: 'empty files',
    layers: [{ entries: [{ type: 'file', path: '/empty', content: '' }] }],
    check: (p) => {
      expect(p.get('/empty')).toMatchObject({ size: 0, contentHash: hash('') });
    },
  },
  {
    name: 'a single-layer image with an opaque marker leaks no marker',
    layers: [
      {
        entries: [
          { type: 'dir', path: '/d' },
          { type: 'opaque', dir: '/d' },
          { type: 'file', path: '/d/f', content: 'f' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/d/f']);
    },
  },
  {
    name: 'an opaque marker is not an ordinary `.wh.` whiteout of a file named `.wh..opq`',
    layers: [
      {
        entries: [
          { type: 'file', path: '/d/.wh..opq', content: 'odd but legal name' },
          { type: 'file', path: '/d/other', content: 'o' },
        ],
      },
      {
        entries: [
          { type: 'opaque', dir: '/d' },
          { type: 'file', path: '/d/kept', content: 'k' },
        ],
      },
    ],
    check: (p) => {
      expect([...p.keys()]).toEqual(['/d/kept']);
    },
    umoci: false,
  },
  {
    name: 'a device node is an anomaly, not an entry',
    layers: [
      {
        entries: [
          { type: 'char', path: '/dev/null', major: 1, minor: 3 },
          { type: 'block', path: '/dev/sda', major: 8 },
          { type: 'fifo', path: '/run/fifo' },
          { type: 'file', path: '/f', content: 'f' },
        ],
      },
    ],
    check: (p, result) => {
      expect([...p.keys()]).toEqual(['/f']);
      expect(result.report.anomalies.map((a) => [a.kind, a.path])).toEqual([
        ['device', '/dev/null'],
        ['device', '/dev/sda'],
      ]);
      expect(result.report.anomalies[0]!.layerDigest).toMatch(/^sha256:/);
    },
    umoci: false,
  },
];

describe('layer semantics (SPEC §4)', () => {
  const built = new Map<string, string>();
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = await build(c.layers);
      built.set(c.name, dir);
      const result = await extract(dir);
      c.check(files(result), result);
    });
  }

  it('a `..` path escaping the root fails the image, naming the layer and the entry', async () => {
    const dir = await build([
      { entries: [{ type: 'file', path: '/ok', content: 'ok' }] },
      { entries: [{ type: 'raw', header: { name: 'etc/../../../escape' }, content: Buffer.from('x') }] },
    ]);
    const { code, message } = await codeOf(extract(dir));
    expect(code).toBe('PATH_ESCAPE');
    const opened = await openImage(`oci:${dir}`);
    if (opened.kind !== 'image') throw new Error('expected an image');
    const resolved = await opened.source.resolve();
    await opened.source.close();
    expect(message).toContain(resolved.layers[1]!.digest);
    expect(message).toContain('etc/../../../escape');
  });

  it('a hard link escaping the root fails the image', async () => {
    const dir = await build([
      { entries: [{ type: 'raw', header: { name: 'link', typeflag: '1', linkname: '../../etc/shadow' } }] },
    ]);
    expect((await codeOf(extract(dir))).code).toBe('PATH_ESCAPE');
  });

  it('a dotfile in /usr/bin belongs to the binary facet (dotfiles always match)', async () => {
    const dir = await build([
      { entries: [{ type: 'file', path: '/usr/bin/.hidden', content: 'h', mode: 0o755 }] },
    ]);
    const facets = defaultFacets();
    const result = await extract(dir, { facets });
    const binary = facets.findIndex((f) => f.facetId === 'binary');
    expect(result.entriesByFacet[binary]!.map((e) => e.path)).toEqual(['/usr/bin/.hidden']);
  });

  it('a hard link into a facet whose target is in none still gets its target’s content (second pass)', async () => {
    const dir = await build([
      { entries: [{ type: 'file', path: '/opt/tool/bin/real', content: 'real bytes', mode: 0o755 }] },
      {
        entries: [
          { type: 'hardlink', path: '/usr/bin/tool', target: '/opt/tool/bin/real' },
          { type: 'file', path: '/opt/tool/bin/other', content: 'o' },
        ],
      },
      { entries: [{ type: 'file', path: '/opt/tool/bin/real', content: 'rewritten later' }] },
    ]);
    const facets: FacetDefinition[] = [
      { facetId: 'bin', type: 'Binary', includeGlobs: ['/usr/bin/*'], excludeGlobs: [] },
    ];
    for (const inline of [false, true]) {
      const result = await extract(dir, { facets, inline });
      expect(result.entriesByFacet[0]).toEqual([
        {
          path: '/usr/bin/tool',
          type: 'file',
          contentHash: hash('real bytes'),
          size: 10,
          mode: '0755',
          modTime: '2024-01-01T00:00:00.000Z',
        },
      ]);
      expect(result.report.unmatchedFiles).toBe(2);
    }
  });

  it('a hard link to nothing is an anomaly', async () => {
    const dir = await build([{ entries: [{ type: 'hardlink', path: '/l', target: '/missing' }] }]);
    const result = await extract(dir);
    expect(result.entriesByFacet[0]).toEqual([]);
    expect(result.report.anomalies.map((a) => a.kind)).toEqual(['hardlink-target-missing']);
  });

  it('captures the final state of matching files, hard links included', async () => {
    const dir = await build([
      {
        entries: [
          { type: 'file', path: '/var/lib/dpkg/status', content: 'v1' },
          { type: 'file', path: '/gone/status', content: 'x' },
          { type: 'file', path: '/src', content: 'linked' },
        ],
      },
      {
        entries: [
          { type: 'file', path: '/var/lib/dpkg/status', content: 'v2' },
          { type: 'whiteout', path: '/gone' },
          { type: 'hardlink', path: '/x/status', target: '/src' },
          { type: 'file', path: '/big/status', content: 'too large' },
        ],
      },
    ]);
    const result = await extract(dir, { capture: { patterns: ['/status$'], maxBytes: 8 } });
    expect(Object.fromEntries([...result.captured].map(([k, v]) => [k, Buffer.from(v).toString()]))).toEqual({
      '/var/lib/dpkg/status': 'v2',
      '/x/status': 'linked',
    });
  });

  it('counts every tar entry read and every unmatched regular file', async () => {
    const dir = await build([
      {
        entries: [
          { type: 'dir', path: '/etc' },
          { type: 'file', path: '/etc/a', content: 'a' },
          { type: 'file', path: '/data/b', content: 'b' },
          { type: 'symlink', path: '/l', target: 'x' },
        ],
      },
    ]);
    const facets: FacetDefinition[] = [
      { facetId: 'etc', type: 'Config', includeGlobs: ['/etc/**'], excludeGlobs: [] },
    ];
    const result = await extract(dir, { facets });
    expect(result.report).toMatchObject({ layers: 1, entriesRead: 4, unmatchedFiles: 1 });
  });

  it('worker threads give the same results as the calling thread', async () => {
    for (const c of CASES.filter((_, i) => i % 4 === 0)) {
      const dir = await build(c.layers);
      const [onWorkers, inline] = [
        await extract(dir, { inline: false }),
        await extract(dir, { inline: true }),
      ];
      expect(onWorkers).toEqual(inline);
    }
  });

  describe('agrees with umoci unpack + rootfs:', () => {
    for (const c of CASES.filter((c) => c.umoci !== false)) {
      it(c.name, async () => {
        const dir = await build(c.layers);
        const fromImage = await extract(dir);
        const rootDir = await unpackWithUmoci(dir, 'latest', join(work, `unpacked-${n++}`));
        const fromTree = await extractRootfs(rootDir, { facets: ALL });
        expect(fromTree.entriesByFacet).toEqual(fromImage.entriesByFacet);
      });
    }
  });
});
