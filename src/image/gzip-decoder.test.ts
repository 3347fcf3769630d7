import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gzipDecoder, parseGzipHeader } from './gzip-decoder.ts';

interface MemberSpec {
  readonly data: Uint8Array;
  readonly extra?: Uint8Array;
  readonly name?: string;
  readonly comment?: string;
  readonly headerCrc?: boolean;
}

/** One RFC 1952 member, with the optional header fields gzip tools write. */
function member(spec: MemberSpec): Buffer {
  const flags =
    (spec.headerCrc ? 0x02 : 0) |
    (spec.extra ? 0x04 : 0) |
    (spec.name ? 0x08 : 0) |
    (spec.comment ? 0x10 : 0);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 3])];
  if (spec.extra) {
    const len = Buffer.alloc(2);
    len.writeUInt16LE(spec.extra.byteLength);
    parts.push(len, Buffer.from(spec.extra));
  }
  if (spec.name) parts.push(Buffer.from(`${spec.name}\0`, 'latin1'));
  if (spec.comment) parts.push(Buffer.from(`${spec.comment}\0`, 'latin1'));
  if (spec.headerCrc) parts.push(Buffer.from([0xab, 0xcd])); // not checked (nor by this test's oracle)
  parts.push(zlib.deflateRawSync(spec.data));
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(spec.data), 0);
  trailer.writeUInt32LE(spec.data.byteLength % 2 ** 32, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** Feeds `stream` in pieces cut at `cuts`, reusing each piece's buffer afterwards as a reader would. */
async function decode(
  stream: Uint8Array,
  cuts: readonly number[] = [],
): Promise<{ out: Buffer; error: (Error & { code?: string }) | undefined }> {
  const out: Buffer[] = [];
  const decoder = gzipDecoder((chunk) => out.push(Buffer.from(chunk)), 1024);
  const points = [
    ...new Set([0, ...cuts.filter((c) => c > 0 && c < stream.byteLength), stream.byteLength]),
  ].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = Uint8Array.from(stream.subarray(points[i], points[i + 1]));
    await decoder.write(piece);
    piece.fill(0xee); // the decoder must have copied whatever it keeps
  }
  await decoder.end();
  return { out: Buffer.concat(out), error: decoder.error as (Error & { code?: string }) | undefined };
}

const memberSpec = fc.record(
  {
    data: fc.uint8Array({ maxLength: 3000 }),
    extra: fc.uint8Array({ maxLength: 40 }),
    name: fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/\0/g, 'x')),
    comment: fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/\0/g, 'x')),
    headerCrc: fc.boolean(),
  },
  { requiredKeys: ['data'] },
);

describe('gzipDecoder', () => {
  it('gives what gunzip gives, for one member or several, any header fields, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(memberSpec, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (specs, rawCuts) => {
          const stream = Buffer.concat(specs.map(member));
          const cuts = rawCuts.map((c) => c % (stream.byteLength + 1));
          const { out, error } = await decode(stream, cuts);
          expect(error).toBeUndefined();
          expect(out.equals(Buffer.concat(specs.map((s) => Buffer.from(s.data))))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads a real gzip stream of several deflate blocks, in 1-byte pieces', async () => {
    const data = Buffer.from('layer bytes '.repeat(20_000));
    const stream = zlib.gzipSync(data, { level: 1 });
    const { out, error } = await decode(
      stream,
      Array.from({ length: 300 }, (_, i) => i),
    );
    expect(error).toBeUndefined();
    expect(out.equals(data)).toBe(true);
  });

  it('reads a trailer and a next header split across writes at every point', async () => {
    const data = Buffer.from('hello world '.repeat(100));
    const stream = Buffer.concat([member({ data }), member({ data, name: 'second' })]);
    const first = member({ data }).byteLength;
    for (let cut = first - 10; cut < first + 12; cut++) {
      const { out, error } = await decode(stream, [cut, cut + 3]);
      expect(error, `cut at ${cut}`).toBeUndefined();
      expect(out.equals(Buffer.concat([data, data])), `cut at ${cut}`).toBe(true);
    }
  });

  it('calls a stream cut short anywhere truncated (Z_BUF_ERROR), as gunzip does', async () => {
    const stream = Buffer.concat([
      member({ data: Buffer.from('first member '.repeat(50)), name: 'a.tar' }),
      member({ data: Buffer.from('second') }),
    ]);
    const firstEnd = member({ data: Buffer.from('first member '.repeat(50)), name: 'a.tar' }).byteLength;
    for (let length = 0; length < stream.byteLength; length++) {
      const cut = stream.subarray(0, length);
      const { error } = await decode(cut, [Math.floor(length / 2)]);
      if (length === firstEnd) {
        expect(error, `cut at ${length}: a whole first member`).toBeUndefined();
        continue;
      }
      expect(error?.code, `cut at ${length}`).toBe('Z_BUF_ERROR');
      expect(() => zlib.gunzipSync(cut)).toThrow(expect.objectContaining({ code: 'Z_BUF_ERROR' }));
    }
  });

  it('refuses a wrong ISIZE, what is not gzip, and data after the last member; allows zero padding', async () => {
    const good = member({ data: Buffer.from('hello') });
    const badSize = Buffer.from(good);
    badSize[badSize.length - 1]! ^= 1;
    expect((await decode(badSize)).error?.message).toBe('incorrect length check');
    expect((await decode(Buffer.concat([good, Buffer.from('garbage!')]))).error?.code).toBe('Z_DATA_ERROR');
    expect((await decode(Buffer.concat([good, Buffer.alloc(512), Buffer.from([1])]))).error?.code).toBe(
      'Z_DATA_ERROR',
    );
    const padded = await decode(Buffer.concat([good, Buffer.alloc(512)]), [good.length + 3]);
    expect(padded.error).toBeUndefined();
    expect(padded.out.toString()).toBe('hello');
    expect((await decode(Buffer.from('not gzip at all'))).error?.message).toBe('incorrect header check');
  });

  it('leaves the CRC-32 to the diff_id: a wrong one is not an error here (the content is what it is)', async () => {
    const good = member({ data: Buffer.from('hello') });
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 8]! ^= 1;
    const { out, error } = await decode(badCrc);
    expect(error).toBeUndefined();
    expect(out.toString()).toBe('hello');
  });

  it('reports corrupt deflate data with zlib’s own error', async () => {
    const good = member({ data: Buffer.from('hello world, hello world') });
    const corrupt = Buffer.concat([
      good.subarray(0, 10),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      good.subarray(14),
    ]);
    expect((await decode(corrupt)).error?.code).toBe('Z_DATA_ERROR');
  });
});

describe('parseGzipHeader', () => {
  it('measures every optional field and asks for more inside any of them', () => {
    const full = member({
      data: Buffer.alloc(0),
      extra: Buffer.from([1, 2, 3]),
      name: 'n',
      comment: 'c',
      headerCrc: true,
    });
    const headerLength = 10 + 2 + 3 + 2 + 2 + 2;
    expect(parseGzipHeader(full)).toEqual({ length: headerLength });
    for (let i = 0; i < headerLength; i++) expect(parseGzipHeader(full.subarray(0, i))).toBe('more');
  });

  it('refuses a wrong magic, method or reserved flag at the first byte that shows it', () => {
    expect(parseGzipHeader(Buffer.from([0x1f, 0x8c]))).toBeInstanceOf(Error);
    expect(parseGzipHeader(Buffer.from([0x1f, 0x8b, 7]))).toBeInstanceOf(Error);
    expect(parseGzipHeader(Buffer.from([0x1f, 0x8b, 8, 0x20]))).toBeInstanceOf(Error);
  });
});
