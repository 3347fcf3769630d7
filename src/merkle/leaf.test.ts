import { describe, expect, it } from 'vitest';
import { encodeLeaf, leafHash, toSha256Digest } from './index.ts';
import type { LeafFields } from './leaf.ts';

const base: LeafFields = {
  path: '/usr/bin/env',
  type: 'file',
  contentHash: `sha256:${'0'.repeat(64)}`,
  size: 6,
  mode: '0755',
};

describe('leaf encoding', () => {
  it('joins the fields with NUL, size in decimal, as UTF-8', () => {
    const symlink = { ...base, path: '/etc/ü', type: 'symlink' as const, size: 12, mode: '0777' };
    expect(Buffer.from(encodeLeaf(symlink)).toString('utf8')).toBe(
      `/etc/ü\x00symlink\x00${base.contentHash}\x0012\x000777`,
    );
    expect(encodeLeaf(symlink)[6]).toBe(0xbc); // "ü" is two UTF-8 bytes
  });

  it('separates a file from a symlink with the same content', () => {
    expect(toSha256Digest(leafHash(base))).not.toBe(toSha256Digest(leafHash({ ...base, type: 'symlink' })));
  });

  it('writes sizes up to 2^53-1 exactly and refuses larger ones', () => {
    expect(Buffer.from(encodeLeaf({ ...base, size: Number.MAX_SAFE_INTEGER })).toString()).toContain(
      '\u00009007199254740991\u0000',
    );
    expect(() => encodeLeaf({ ...base, size: 2 ** 53 })).toThrow(
      expect.objectContaining({ code: 'MERKLE_ENTRY_INVALID' }),
    );
  });

  it.each([
    ['a NUL in the path', { path: '/a\0b' }],
    ['an empty path', { path: '' }],
    ['an unpaired surrogate in the path', { path: '/a\ud800' }],
    ['an unknown type', { type: 'dir' }],
    ['a malformed content hash', { contentHash: 'sha256:XYZ' }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['a mode that is not four octal digits', { mode: '755' }],
  ])('refuses %s', (_what, patch) => {
    expect(() => leafHash({ ...base, ...patch } as LeafFields)).toThrow(
      expect.objectContaining({ code: 'MERKLE_ENTRY_INVALID' }),
    );
  });
});
