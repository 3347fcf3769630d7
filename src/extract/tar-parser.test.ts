import { describe, expect, it } from 'vitest';
import {
  buildLayerTar,
  encodeRawEntry,
  gnuSparseEntry,
  paxSparseEntry,
  type FixtureEntry,
} from '../../test/fixtures/index.ts';
import { isZastavaError } from '../model/errors.ts';
import { TarParser, type TarEntry } from './tar-parser.ts';

interface Seen {
  entry: TarEntry;
  data: string;
}

function parse(tar: Uint8Array, chunk = tar.byteLength): Seen[] {
  const seen: Seen[] = [];
  const parser = new TarParser({
    entry(entry) {
      const item: Seen = { entry, data: '' };
      seen.push(item);
      return {
        data: (c) => void (item.data += Buffer.from(c).toString('latin1')),
        end: () => {},
      };
    },
  });
  for (let i = 0; i < tar.byteLength; i += chunk)
    parser.write(tar.subarray(i, Math.min(i + chunk, tar.byteLength)));
  parser.end();
  return seen;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isZastavaError(error) ? error.code : `not a ZastavaError: ${String(error)}`;
  }
  return 'no error';
}

const raw = (header: Record<string, unknown>, content?: Uint8Array): FixtureEntry => ({
  type: 'raw',
  header,
  ...(content ? { content } : {}),
});

describe('TarParser', () => {
  it('reads files, directories, links and devices, the same whatever the chunk size', async () => {
    const tar = await buildLayerTar([
      { type: 'dir', path: 'etc' },
      { type: 'file', path: 'etc/hostname', content: 'box\n', mode: 0o4755 },
      { type: 'file', path: 'empty', content: '' },
      { type: 'symlink', path: 'bin', target: 'usr/bin' },
      { type: 'hardlink', path: 'etc/hn', target: 'etc/hostname' },
      { type: 'char', path: 'dev/null', major: 1, minor: 3 },
      { type: 'fifo', path: 'run/fifo' },
      { type: 'file', path: 'big', content: Buffer.alloc(70_000, 0x41) },
    ]);
    const whole = parse(tar);
    expect(whole.map((s) => [s.entry.name, s.entry.type, s.entry.size])).toEqual([
      ['etc/', 'dir', 0],
      ['etc/hostname', 'file', 4],
      ['empty', 'file', 0],
      ['bin', 'symlink', 0],
      ['etc/hn', 'hardlink', 0],
      ['dev/null', 'char', 0],
      ['run/fifo', 'fifo', 0],
      ['big', 'file', 70_000],
    ]);
    expect(whole[1]!.data).toBe('box\n');
    expect(whole[1]!.entry.mode & 0o7777).toBe(0o4755);
    expect(whole[3]!.entry.linkName).toBe('usr/bin');
    expect(whole[4]!.entry.linkName).toBe('etc/hostname');
    expect(whole[1]!.entry.mtimeMs).toBe(Date.parse('2024-01-01T00:00:00Z'));
    for (const size of [1, 7, 511, 512, 513, 4096]) expect(parse(tar, size)).toEqual(whole);
  });

  it('lets the PAX path win over the header name, and reads PAX mtime and long link names', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const tar = await buildLayerTar([
      raw(
        { name: 'header-name', pax: { path: 'pax/name', mtime: '1700000000.123456789' } },
        Buffer.from('x'),
      ),
      raw({ name: 'l', typeflag: '2', pax: { linkpath: long } }),
      { type: 'file', path: long, content: 'deep' },
    ]);
    const seen = parse(tar);
    expect(seen[0]!.entry.name).toBe('pax/name');
    expect(seen[0]!.entry.mtimeMs).toBe(1_700_000_000_123);
    expect(seen[1]!.entry.linkName).toBe(long);
    expect(seen[2]!.entry.name).toBe(long);
    expect(seen[2]!.data).toBe('deep');
  });

  it('reads GNU long names (typeflag L) and the ustar prefix field', async () => {
    const long = `gnu/${'n'.repeat(200)}`;
    const tar = await buildLayerTar([
      raw({ name: '././@LongLink', typeflag: 'L', magic: 'gnu' }, Buffer.from(`${long}\0`)),
      raw({ name: 'truncated', magic: 'gnu' }, Buffer.from('g')),
      raw({ name: 'file', prefix: 'some/prefix' }, Buffer.from('p')),
    ]);
    expect(parse(tar).map((s) => s.entry.name)).toEqual([long, 'some/prefix/file']);
  });

  it('decodes UTF-8 names, including characters outside the BMP', async () => {
    const tar = await buildLayerTar([{ type: 'file', path: 'usr/share/😀/naïve', content: '' }]);
    expect(parse(tar)[0]!.entry.name).toBe('usr/share/😀/naïve');
  });

  it('treats header-only types as having no data, whatever their size field says', async () => {
    const tar = await buildLayerTar([
      raw({ name: 'link', typeflag: '2', linkname: 't', size: 1000 }),
      { type: 'file', path: 'after', content: 'ok' },
    ]);
    // The raw entry writes no data blocks for its size (tar-stream and Go agree: none follow).
    const seen = parse(tar.subarray(0, tar.byteLength));
    expect(seen.map((s) => s.entry.name)).toEqual(['link', 'after']);
  });

  it('TAR_HEADER_INVALID: a header whose checksum does not match', async () => {
    const tar = await buildLayerTar([
      { type: 'file', path: 'a', content: 'a' },
      raw({ name: 'b', checksum: 'corrupt' }, Buffer.from('b')),
    ]);
    expect(codeOf(() => parse(tar))).toBe('TAR_HEADER_INVALID');
  });

  it('TAR_HEADER_INVALID: a single zero block followed by a header', async () => {
    const a = await buildLayerTar([{ type: 'file', path: 'a', content: 'a' }]);
    const entryA = a.subarray(0, 1024);
    const tar = Buffer.concat([entryA, Buffer.alloc(512), entryA, Buffer.alloc(1024)]);
    expect(codeOf(() => parse(tar))).toBe('TAR_HEADER_INVALID');
  });

  it('TAR_HEADER_INVALID: a malformed PAX record', () => {
    const header = encodeRawEntry({ name: 'PaxHeader', typeflag: 'x' }, Buffer.from('99 path=x\n'));
    expect(
      codeOf(() => parse(Buffer.concat([header, encodeRawEntry({ name: 'f' }), Buffer.alloc(1024)]))),
    ).toBe('TAR_HEADER_INVALID');
  });

  it('TAR_TRUNCATED: the stream ends inside an entry, naming it', async () => {
    const tar = await buildLayerTar([
      { type: 'file', path: 'usr/bin/cut-short', content: Buffer.alloc(2000, 1) },
    ]);
    let message = '';
    const code = codeOf(() => {
      try {
        parse(tar.subarray(0, 1500));
      } catch (error) {
        message = (error as Error).message;
        throw error;
      }
    });
    expect(code).toBe('TAR_TRUNCATED');
    expect(message).toContain('usr/bin/cut-short');
    expect(codeOf(() => parse(tar.subarray(0, 300)))).toBe('TAR_TRUNCATED');
  });

  it('accepts a tar without end-of-archive blocks, and ignores what follows them', async () => {
    const tar = await buildLayerTar([{ type: 'file', path: 'a', content: 'a' }]);
    expect(parse(tar.subarray(0, 1024))).toHaveLength(1);
    expect(parse(Buffer.concat([tar, Buffer.from('trailing junk')]))).toHaveLength(1);
  });

  it.each([
    ['GNU (typeflag S)', gnuSparseEntry('usr/lib/sparse.img')],
    ['PAX (GNU.sparse.*)', paxSparseEntry('usr/lib/sparse.img')],
  ])('SPARSE_ENTRY: a %s sparse file', async (_kind, entry) => {
    const tar = await buildLayerTar([entry]);
    expect(codeOf(() => parse(tar))).toBe('SPARSE_ENTRY');
  });

  it('reads base-256 sizes and the old V7 directory convention', () => {
    const header = encodeRawEntry({ name: 'v7dir/', typeflag: 0, magic: 'v7' });
    const seen = parse(Buffer.concat([header, Buffer.alloc(1024)]));
    expect(seen[0]!.entry.type).toBe('dir');
    const big = Buffer.from(encodeRawEntry({ name: 'f', size: 3 }, Buffer.from('abc')));
    // Rewrite the size field as base-256 and fix the checksum.
    big.fill(0, 124, 136);
    big[124] = 0x80;
    big[135] = 3;
    big.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += big[i]!;
    big.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(parse(Buffer.concat([big, Buffer.alloc(1024)]))[0]!.data).toBe('abc');
  });
});
