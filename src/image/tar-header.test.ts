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

describe('decodeHeader: checksums and the ustar prefix', () => {
  /** A ustar header for `name` with a UTF-8 byte above 127, checksummed unsigned or signed. */
  function header(name: string, signed: boolean, prefix = ''): Uint8Array {
    const block = Buffer.from(encodeRawEntry({ name: 'x', size: 0 }).subarray(0, 512));
    block.fill(0, 0, 100);
    block.write(name, 0, 'utf8');
    block.fill(0, 345, 500);
    block.write(prefix, 345, 'utf8');
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += signed && block[i]! > 127 ? block[i]! - 256 : block[i]!;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return block;
  }

  it('accepts the unsigned and the historic signed sum, and nothing else', () => {
    expect(decodeHeader(header('caf\u00e9', false)).name).toBe('caf\u00e9');
    expect(decodeHeader(header('caf\u00e9', true)).name).toBe('caf\u00e9');
    const bad = header('caf\u00e9', false);
    bad[0] = 0x64; // 'c' -> 'd' after the sum was written
    expect(() => decodeHeader(bad)).toThrow(/checksum/);
  });

  it('joins the prefix of a POSIX ustar header, and only of one', () => {
    const block = header('name', false, 'some/dir');
    expect(decodeHeader(block).name).toBe('some/dir/name');
    const gnu = Buffer.from(block);
    gnu.write('ustar  \0', 257, 'latin1'); // GNU magic: the prefix bytes are times, not a path
    let sum = 0;
    gnu.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) sum += gnu[i]!;
    gnu.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(decodeHeader(gnu).name).toBe('name');
  });
});
