import { execFileSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractRootfs } from '../../src/extract/index.ts';
import { openImage } from '../../src/image/index.ts';
import { isZastavaError } from '../../src/model/errors.ts';
import type { FacetDefinition } from '../../src/model/facet.ts';
import { readImage } from '../../src/seal/seal-image.ts';
import { sha256 } from '../fixtures/index.ts';

/** `rootfs:` walks a plain tree with lstat: the same entry rules as a layered image (SPEC §3, §4). */
const FACETS: FacetDefinition[] = [
  { facetId: 'bin', type: 'Binary', includeGlobs: ['/usr/bin/*'], excludeGlobs: [] },
  { facetId: 'etc', type: 'Config', includeGlobs: ['/etc/**'], excludeGlobs: [] },
];
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'zastava-rootfs-'));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'etc/ssl'), { recursive: true });
  await mkdir(join(root, 'opt'), { recursive: true });
  await writeFile(join(root, 'usr/bin/tool'), 'tool bytes');
  await chmod(join(root, 'usr/bin/tool'), 0o4755);
  await writeFile(join(root, 'usr/bin/.hidden'), '');
  await link(join(root, 'usr/bin/tool'), join(root, 'usr/bin/tool-hardlink'));
  await symlink('../../opt', join(root, 'usr/bin/opt-link'));
  await writeFile(join(root, 'opt/big'), Buffer.alloc(6 << 20, 1));
  await symlink('/opt/big', join(root, 'usr/bin/big'));
  await writeFile(join(root, 'etc/ssl/openssl.cnf'), 'cnf');
  await writeFile(join(root, 'opt/unmatched'), 'u');
  execFileSync('mkfifo', [join(root, 'usr/bin/fifo')]);
  // touch sets the nanoseconds exactly (utimes takes float seconds, which land just below .123).
  execFileSync('touch', ['-m', '-d', '2020-02-02 02:02:02.123000000Z', join(root, 'etc/ssl/openssl.cnf')]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('extractRootfs', () => {
  it('records files and symlinks (never followed), takes modes and mtimes from lstat, skips FIFOs', async () => {
    const result = await extractRootfs(root, { facets: FACETS });
    const [bin, etc] = result.entriesByFacet;
    expect(bin!.map((e) => [e.path, e.type])).toEqual([
      ['/usr/bin/.hidden', 'file'],
      ['/usr/bin/big', 'symlink'],
      ['/usr/bin/opt-link', 'symlink'],
      ['/usr/bin/tool', 'file'],
      ['/usr/bin/tool-hardlink', 'file'],
    ]);
    const tool = bin!.find((e) => e.path === '/usr/bin/tool')!;
    expect(tool).toMatchObject({ contentHash: sha256(Buffer.from('tool bytes')), size: 10, mode: '4755' });
    expect(bin!.find((e) => e.path === '/usr/bin/tool-hardlink')).toMatchObject({
      contentHash: tool.contentHash,
      mode: '4755',
    });
    expect(bin!.find((e) => e.path === '/usr/bin/opt-link')).toMatchObject({
      linkTarget: '../../opt',
      mode: '0777',
      size: 9,
    });
    expect(etc).toEqual([
      {
        path: '/etc/ssl/openssl.cnf',
        type: 'file',
        contentHash: sha256(Buffer.from('cnf')),
        size: 3,
        mode: '0644',
        modTime: '2020-02-02T02:02:02.123Z',
      },
    ]);
    expect(result.report).toMatchObject({ layers: 0, unmatchedFiles: 2 });
  });

  it('captures matching files, and hashes large ones by streaming', async () => {
    const result = await extractRootfs(root, {
      facets: [{ facetId: 'opt', type: 'Custom', includeGlobs: ['/opt/**'], excludeGlobs: [] }],
      capture: { patterns: ['^/opt/'], maxBytes: 1024 },
    });
    expect(result.entriesByFacet[0]!.find((e) => e.path === '/opt/big')!.contentHash).toBe(
      sha256(Buffer.alloc(6 << 20, 1)),
    );
    expect([...result.captured.keys()]).toEqual(['/opt/unmatched']);
  });

  it('ROOTFS_UNREADABLE: a root that is not a directory', async () => {
    const error = await extractRootfs(join(root, 'opt/big'), { facets: FACETS }).catch((e: unknown) => e);
    expect(isZastavaError(error) && error.code).toBe('ROOTFS_UNREADABLE');
  });

  it('openImage gives rootfs: its absolute directory, and refuses a missing one', async () => {
    const opened = await openImage(`rootfs:${root}`);
    expect(opened).toMatchObject({ kind: 'rootfs', rootDir: root });
    const missing = await openImage(`rootfs:${join(root, 'nope')}`).catch((e: unknown) => e);
    expect(isZastavaError(missing) && missing.code).toBe('IMAGE_NOT_FOUND');
  });

  it('names a tree by the SHA-256 of the canonical JSON list of its facet roots (SPEC §3)', async () => {
    const read = await readImage(`rootfs:${root}`, { facets: FACETS, sealedBy: 'test' });
    const roots = read.manifests.map((m) => ({ facetId: m.facetId, merkleRoot: m.merkleRoot }));
    expect(roots.map((r) => r.facetId)).toEqual(['bin', 'etc']);
    // Keys already in RFC 8785 order (facetId < merkleRoot), plain ASCII: JSON.stringify is canonical here.
    const expected = sha256(Buffer.from(JSON.stringify(roots)));
    expect(read.imageDigest).toBe(expected);
    expect(read.configDigest).toBe(expected);
    // The same tree read again is the same digest; a changed file is another one.
    expect((await readImage(`rootfs:${root}`, { facets: FACETS, sealedBy: 'test' })).imageDigest).toBe(
      expected,
    );
    const other = await mkdtemp(join(tmpdir(), 'zastava-rootfs-other-'));
    try {
      await mkdir(join(other, 'etc'));
      await writeFile(join(other, 'etc/a.conf'), 'a');
      const changed = await readImage(`rootfs:${other}`, { facets: FACETS, sealedBy: 'test' });
      expect(changed.imageDigest).not.toBe(expected);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
