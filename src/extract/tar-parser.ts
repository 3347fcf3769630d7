import {
  TAR_BLOCK,
  TarFormatError,
  decodeHeader,
  isZeroBlock,
  parsePaxRecords,
  paxTimeToMs,
  type TarHeader,
} from '../image/tar-header.ts';
import { ExtractError } from './errors.ts';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarEntry {
  /** PAX `path`, else GNU long name, else the header's (prefix-joined) name. */
  readonly name: string;
  readonly linkName: string;
  readonly type: TarEntryType;
  readonly typeflag: string;
  /** Bytes of data that follow (0 for header-only types, whatever their size field says). */
  readonly size: number;
  readonly mode: number;
  readonly mtimeMs: number;
}

export interface TarEntrySink {
  data(chunk: Uint8Array): void;
  end(): void;
}

export interface TarVisitor {
  /** Returns where the entry's data goes, or null to skip it (it is still walked over). */
  entry(entry: TarEntry): TarEntrySink | null;
}

/** Extended headers (PAX, GNU long names) are buffered; anything larger is hostile. */
const MAX_META_BYTES = 1 << 20;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const PAX_SPARSE_KEYS = [
  'GNU.sparse.major',
  'GNU.sparse.map',
  'GNU.sparse.numblocks',
  'GNU.sparse.size',
  'GNU.sparse.offset',
];

type State = 'header' | 'data' | 'meta' | 'padding' | 'zero' | 'eof';

/**
 * A push parser for tar streams (ustar, GNU and PAX): chunks go in as they are decompressed, entries and
 * their data come out synchronously as subarrays of the input (no copies). Follows Go's archive/tar where
 * formats disagree: header-only types carry no data, two zero blocks end the archive, one zero block
 * followed by a header is an error. GNU and PAX sparse entries are refused (SPEC §4).
 */
export class TarParser {
  private readonly visitor: TarVisitor;
  private state: State = 'header';
  private readonly headerBuf = new Uint8Array(TAR_BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private sink: TarEntrySink | null = null;
  private meta: { type: string; buf: Uint8Array; fill: number } | null = null;
  private pax: Map<string, string> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private currentName = '';
  private offset = 0;

  constructor(visitor: TarVisitor) {
    this.visitor = visitor;
  }

  write(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.byteLength;
    while (pos < len) {
      switch (this.state) {
        case 'eof':
          this.offset += len - pos;
          return;
        case 'header':
        case 'zero': {
          let block: Uint8Array;
          if (this.headerFill === 0 && len - pos >= TAR_BLOCK) {
            block = chunk.subarray(pos, pos + TAR_BLOCK);
            pos += TAR_BLOCK;
          } else {
            const n = Math.min(TAR_BLOCK - this.headerFill, len - pos);
            this.headerBuf.set(chunk.subarray(pos, pos + n), this.headerFill);
            this.headerFill += n;
            pos += n;
            if (this.headerFill < TAR_BLOCK) return;
            this.headerFill = 0;
            block = this.headerBuf;
          }
          this.onBlock(block);
          this.offset += TAR_BLOCK;
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, len - pos);
          this.sink?.data(chunk.subarray(pos, pos + n));
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishData();
          break;
        }
        case 'meta': {
          const meta = this.meta!;
          const n = Math.min(this.remaining, len - pos);
          meta.buf.set(chunk.subarray(pos, pos + n), meta.fill);
          meta.fill += n;
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, len - pos);
          pos += n;
          this.offset += n;
          this.padding -= n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** The input ended: fine between entries or after the end-of-archive blocks, else a truncated tar. */
  end(): void {
    if (this.state === 'eof' || this.state === 'zero') return;
    if (
      this.state === 'header' &&
      this.headerFill === 0 &&
      this.meta === null &&
      this.pax === null &&
      this.longName === null
    ) {
      return; // no end-of-archive blocks: tolerated, as GNU tar and Go do
    }
    throw new ExtractError(
      'TAR_TRUNCATED',
      `tar stream ends inside ${this.currentName ? `entry "${this.currentName}"` : 'a header'} (at byte ${this.offset})`,
    );
  }

  private onBlock(block: Uint8Array): void {
    if (isZeroBlock(block)) {
      if (this.state === 'zero') this.state = 'eof';
      else this.state = 'zero';
      return;
    }
    if (this.state === 'zero') {
      throw new ExtractError(
        'TAR_HEADER_INVALID',
        `a single zero block is followed by a header (at byte ${this.offset})`,
      );
    }
    let header: TarHeader;
    try {
      header = decodeHeader(block);
    } catch (error) {
      const after = this.currentName ? ` after entry "${this.currentName}"` : '';
      throw new ExtractError(
        'TAR_HEADER_INVALID',
        `corrupt tar header at byte ${this.offset}${after}: ${error instanceof TarFormatError ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const flag = header.typeflag;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (header.size > MAX_META_BYTES) {
        throw new ExtractError(
          'TAR_HEADER_INVALID',
          `extended header of ${header.size} bytes at byte ${this.offset} is too large`,
        );
      }
      this.meta = { type: flag, buf: new Uint8Array(header.size), fill: 0 };
      this.remaining = header.size;
      this.padding = padOf(header.size);
      if (header.size === 0) this.finishMeta();
      else this.state = 'meta';
      return;
    }
    const pax = this.pax;
    const name = pax?.get('path') ?? this.longName ?? header.name;
    const linkName = pax?.get('linkpath') ?? this.longLink ?? header.linkName;
    this.pax = null;
    this.longName = null;
    this.longLink = null;
    this.currentName = name;
    if (flag === 'S' || (pax !== null && PAX_SPARSE_KEYS.some((k) => pax.has(k)))) {
      throw new ExtractError(
        'SPARSE_ENTRY',
        `entry "${name}" is a sparse file, which OCI layers must not contain`,
      );
    }
    let size = header.size;
    if (pax?.has('size')) {
      const paxSize = pax.get('size')!;
      size = /^\d+$/.test(paxSize) ? Number(paxSize) : NaN;
      if (!Number.isSafeInteger(size)) {
        throw new ExtractError(
          'TAR_HEADER_INVALID',
          `entry "${name}": PAX size "${paxSize}" is not an integer below 2^53`,
        );
      }
    }
    let mtimeMs = header.mtime * 1000;
    if (pax?.has('mtime')) {
      try {
        mtimeMs = paxTimeToMs(pax.get('mtime')!);
      } catch (error) {
        throw new ExtractError('TAR_HEADER_INVALID', `entry "${name}": ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    if (HEADER_ONLY.has(flag)) size = 0;
    const entry: TarEntry = {
      name,
      linkName,
      type: typeOf(flag, name),
      typeflag: flag,
      size,
      mode: header.mode,
      mtimeMs,
    };
    this.sink = this.visitor.entry(entry);
    this.remaining = size;
    this.padding = padOf(size);
    if (size === 0) this.finishData();
    else this.state = 'data';
  }

  private finishData(): void {
    const sink = this.sink;
    this.sink = null;
    sink?.end();
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private finishMeta(): void {
    const meta = this.meta!;
    this.meta = null;
    try {
      if (meta.type === 'x') this.pax = parsePaxRecords(meta.buf);
      else if (meta.type === 'L') this.longName = cString(meta.buf);
      else if (meta.type === 'K') this.longLink = cString(meta.buf);
    } catch (error) {
      throw new ExtractError(
        'TAR_HEADER_INVALID',
        `bad PAX header at byte ${this.offset}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.state = this.padding > 0 ? 'padding' : 'header';
  }
}

function padOf(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

function typeOf(flag: string, name: string): TarEntryType {
  switch (flag) {
    case '0':
    case '7':
      return 'file';
    case '\0':
      // V7 tar marked directories only by a trailing slash.
      return name.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

const utf8 = new TextDecoder('utf-8');

function cString(buf: Uint8Array): string {
  const nul = buf.indexOf(0);
  return utf8.decode(nul === -1 ? buf : buf.subarray(0, nul));
}
