import { describe, expect, it } from 'vitest';
import { encodeRawEntry } from '../../test/fixtures/index.ts';
import { decodeHeader, TarFormatError } from './tar-header.ts';

/** A header block whose 12-byte size field is GNU base-256 (high bit set), checksum fixed up. */
function base256Size(bytes: readonly number[]): Uint8Array {
  const block = Buffer.from(encodeRawEntry({ name: 'big', size: 0 }).subarray(0, 512));
  block.fill(0, 124, 136);
  block.set(bytes, 136 - bytes.length);
  block[124] = block[124]! | 0x80;
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

describe('decodeHeader: sizes (SPEC §2: nothing beyond 2^53)', () => {
  it('reads a base-256 size up to 2^53 - 1 exactly', () => {
    // 2^53 - 1 = 0x1F_FFFF_FFFF_FFFF
    expect(decodeHeader(base256Size([0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).size).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('refuses a base-256 size of 2^53 or more instead of rounding it', () => {
    for (const size of [
      [0x20, 0, 0, 0, 0, 0, 0], // 2^53
      [0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0], // 2^72
    ]) {
      expect(() => decodeHeader(base256Size(size))).toThrow(TarFormatError);
    }
  });
});
