import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeMerkle, leafHash, rootFromLeafHashes, toSha256Digest } from './index.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import type { LeafFields } from './leaf.ts';

const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

/** RFC 6962 reference leaves (transparency-dev/merkle test data) and the roots of their first n. */
const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const RFC6962_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('tree shape (RFC 6962 §2.1)', () => {
  it('matches the RFC 6962 reference roots for raw leaves, tree sizes 0–8', () => {
    const leafHashes = RFC6962_LEAVES.map((hex) =>
      sha256(Buffer.concat([Buffer.from([0]), Buffer.from(hex, 'hex')])),
    );
    for (let n = 0; n <= leafHashes.length; n++) {
      expect(Buffer.from(rootFromLeafHashes(leafHashes.slice(0, n))).toString('hex'), `size ${n}`).toBe(
        RFC6962_ROOTS[n],
      );
    }
  });

  it('agrees with the recursive definition (split at the largest power of two below n) up to 70 leaves', () => {
    const mth = (leaves: Uint8Array[]): Uint8Array => {
      if (leaves.length === 0) return sha256(new Uint8Array());
      if (leaves.length === 1) return leaves[0]!;
      let k = 1;
      while (k * 2 < leaves.length) k *= 2;
      return sha256(Buffer.concat([Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k))]));
    };
    const leaves = Array.from({ length: 70 }, (_, i) => sha256(Buffer.from([0, i])));
    for (let n = 0; n <= leaves.length; n++) {
      expect(toSha256Digest(rootFromLeafHashes(leaves.slice(0, n)))).toBe(
        toSha256Digest(mth(leaves.slice(0, n))),
      );
    }
  });
});

const entry = (path: string, size = 1): LeafFields => ({
  path,
  type: 'file',
  contentHash: `sha256:${'ab'.repeat(32)}`,
  size,
  mode: '0644',
});

describe('computeMerkle', () => {
  it('gives the empty root SHA-256("") for no entries', () => {
    expect(computeMerkle([]).root).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('gives the same leaf hashes as leafHash, for paths long and short, ASCII or not', () => {
    const entries = [entry('/a'), entry(`/b/${'ü'.repeat(40_000)}`), entry('/c/\u{1F600}'), entry('/d')];
    const { leafHashes, root } = computeMerkle(entries);
    expect(leafHashes.map(toSha256Digest)).toEqual(entries.map((e) => toSha256Digest(leafHash(e))));
    expect(root).toBe(toSha256Digest(rootFromLeafHashes(entries.map(leafHash))));
  });

  it('keeps the root when only modification times change (SPEC §6), and moves it for any leaf field', () => {
    const files = (modTime: string): FacetFileEntry[] =>
      ['/a', '/b', '/c'].map((path) => ({ ...entry(path), modTime }));
    const root = computeMerkle(files('2024-01-01T00:00:00.000Z')).root;
    expect(computeMerkle(files('2025-06-30T12:34:56.789Z')).root).toBe(root);
    const changed: Partial<FacetFileEntry>[] = [
      { size: 2 },
      { mode: '0755' },
      { type: 'symlink' },
      { contentHash: `sha256:${'cd'.repeat(32)}` },
    ];
    for (const change of changed) {
      const [a, b, c] = files('2024-01-01T00:00:00.000Z');
      expect(computeMerkle([a!, { ...b!, ...change }, c!]).root).not.toBe(root);
    }
  });

  it('refuses entries that are not in UTF-8 path order', () => {
    expect(() => computeMerkle([entry('/b'), entry('/a')])).toThrow(
      expect.objectContaining({ code: 'MERKLE_UNSORTED' }),
    );
    // UTF-16 order (what Array#sort gives) puts U+1F600 before U+FB33; UTF-8 order puts it after.
    expect(() => computeMerkle([entry('/\u{1F600}'), entry('/\uFB33')])).toThrow(
      expect.objectContaining({ code: 'MERKLE_UNSORTED' }),
    );
  });

  it('refuses a repeated path', () => {
    expect(() => computeMerkle([entry('/a'), entry('/a', 2)])).toThrow(
      expect.objectContaining({ code: 'MERKLE_DUPLICATE_PATH' }),
    );
  });
});
