import { promisify } from 'node:util';
import { zstdCompress, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { declaredContentSize } from './zstd-frame.ts';

const compress = promisify(zstdCompress);

describe('declaredContentSize', () => {
  it.each([0, 1, 255, 256, 300, 65_791, 65_792, 1_000_000])(
    'reads the size a frame of %d bytes declares (each field width)',
    async (n) => {
      const input = Buffer.alloc(n, 'a');
      expect(declaredContentSize(await compress(input, { pledgedSrcSize: n }))).toBe(n);
      expect(declaredContentSize(zstdCompressSync(input))).toBe(n);
    },
  );

  it('is undefined for a frame that declares no size, and for bytes that are not a zstd frame', async () => {
    expect(declaredContentSize(await compress(Buffer.alloc(5000, 'a')))).toBeUndefined();
    expect(declaredContentSize(Buffer.from('garbage'))).toBeUndefined();
    expect(declaredContentSize(Buffer.alloc(0))).toBeUndefined();
    expect(declaredContentSize(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0]))).toBeUndefined();
  });
});
