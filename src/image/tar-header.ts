/**
 * ustar / GNU / PAX header decoding (POSIX.1-2001 pax format; GNU tar manual "Basic Tar Format"), shared by
 * the outer-archive index (oci-archive, docker-archive) and the layer reader. Input is hostile: every
 * field is bounds-checked and a bad header is a `TarFormatError` the caller turns into its own code.
 */
export const TAR_BLOCK = 512;

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

export interface TarHeader {
  /** The header's own name (ustar prefix joined), before any PAX or GNU long name overrides it. */
  readonly name: string;
  readonly linkName: string;
  /** The typeflag character ('\0' for old regular files). */
  readonly typeflag: string;
  readonly mode: number;
  readonly size: number;
  /** Seconds since the epoch (integer in the header; PAX may refine it). */
  readonly mtime: number;
  readonly devMajor: number;
  readonly devMinor: number;
}

const utf8 = new TextDecoder('utf-8');

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < TAR_BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes one 512-byte header block; throws TarFormatError when its checksum or a number is invalid. */
export function decodeHeader(block: Uint8Array): TarHeader {
  if (block.byteLength < TAR_BLOCK) throw new TarFormatError('short header block');
  verifyChecksum(block);
  let name = text(block, 0, 100);
  // Only POSIX ustar (magic "ustar\0", version "00") has a prefix field; GNU tar stores atime/ctime there.
  if (bytesAt(block, 257, USTAR_MAGIC_AND_VERSION)) {
    const prefix = text(block, 345, 155);
    if (prefix.length > 0) name = `${prefix}/${name}`;
  }
  const typeflag = String.fromCharCode(block[156]!);
  return {
    name,
    linkName: text(block, 157, 100),
    typeflag,
    mode: readNumber(block, 100, 8, 'mode'),
    size: readNumber(block, 124, 12, 'size'),
    mtime: readNumber(block, 136, 12, 'mtime'),
    devMajor: typeflag === '3' || typeflag === '4' ? readNumber(block, 329, 8, 'devmajor') : 0,
    devMinor: typeflag === '3' || typeflag === '4' ? readNumber(block, 337, 8, 'devminor') : 0,
  };
}

const USTAR_MAGIC_AND_VERSION = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00, 0x30, 0x30]; // "ustar\0" "00"

function bytesAt(block: Uint8Array, offset: number, bytes: readonly number[]): boolean {
  for (let i = 0; i < bytes.length; i++) if (block[offset + i] !== bytes[i]) return false;
  return true;
}

function verifyChecksum(block: Uint8Array): void {
  const stored = readNumber(block, 148, 8, 'checksum');
  // The sum of the bytes with the checksum field read as eight spaces; the signed sum differs from it by
  // 256 for every byte above 127 (one pass, no branch per byte: this runs for every entry of a layer).
  let sum = 0;
  let high = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const b = block[i]!;
    sum += b;
    high += b >>> 7;
  }
  for (let i = 148; i < 156; i++) {
    const b = block[i]!;
    sum -= b;
    high -= b >>> 7;
  }
  const unsigned = sum + 8 * 0x20;
  const signed = unsigned - 256 * high;
  // Some historic writers summed signed bytes; both are accepted, as GNU tar and Go's archive/tar do.
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`header checksum ${stored} does not match the header's bytes (${unsigned})`);
  }
}

/** Octal ASCII (space/NUL padded) or GNU base-256 (high bit set, two's complement). */
function readNumber(block: Uint8Array, offset: number, length: number, field: string): number {
  const first = block[offset]!;
  if (first & 0x80) {
    const negative = first === 0xff;
    let value = 0;
    for (let i = 0; i < length; i++) {
      let b = block[offset + i]!;
      if (i === 0) b &= 0x7f;
      if (negative) b = ~b & 0xff;
      value = value * 256 + b;
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${field} does not fit in 2^53`);
    }
    return negative ? -(value + 1) : value;
  }
  let i = offset;
  const end = offset + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const b = block[i]!;
    if (b === 0x20 || b === 0) break;
    if (b < 0x30 || b > 0x37) throw new TarFormatError(`${field} field is not octal`);
    value = value * 8 + (b - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    if (block[i] !== 0x20 && block[i] !== 0) throw new TarFormatError(`${field} field has trailing bytes`);
  }
  if (digits === 0 && field === 'checksum') throw new TarFormatError('header has no checksum');
  return value;
}

function text(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && block[end] !== 0) end++;
  return utf8.decode(block.subarray(offset, end));
}

/**
 * PAX extended header records, `LEN KEY=VALUE\n` (POSIX pax "extended header"). Values are decoded as
 * UTF-8 (binary xattrs are mangled, but Zastava reads only path, linkpath, size, mtime and GNU.sparse.*).
 */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.byteLength) {
    if (data[pos] === 0) break; // some writers pad the record block with NULs
    let len = 0;
    let i = pos;
    while (i < data.byteLength && data[i]! >= 0x30 && data[i]! <= 0x39 && i - pos < 12)
      len = len * 10 + (data[i++]! - 0x30);
    if (
      i === pos ||
      data[i] !== 0x20 ||
      len < i - pos + 3 ||
      pos + len > data.byteLength ||
      data[pos + len - 1] !== 0x0a
    ) {
      throw new TarFormatError(`malformed PAX record at byte ${pos}`);
    }
    const record = data.subarray(i + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError(`PAX record at byte ${pos} has no key`);
    records.set(utf8.decode(record.subarray(0, eq)), utf8.decode(record.subarray(eq + 1)));
    pos += len;
  }
  return records;
}

/** A PAX `mtime` (decimal seconds, optional fraction, optional sign) in whole milliseconds, floored. */
export function paxTimeToMs(value: string): number {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match) throw new TarFormatError(`PAX mtime "${value}" is not a decimal number`);
  const seconds = Number(match[2]);
  const fraction = Number(`0.${(match[3] ?? '').padEnd(3, '0').slice(0, 3) || '0'}`);
  const hasSubMs = /[1-9]/.test((match[3] ?? '').slice(3));
  if (match[1] === '-') {
    // -1.5 s is 1.5 s before the epoch: floor to the millisecond below.
    return -(seconds * 1000 + Math.round(fraction * 1000)) - (hasSubMs ? 1 : 0);
  }
  return seconds * 1000 + Math.round(fraction * 1000);
}
