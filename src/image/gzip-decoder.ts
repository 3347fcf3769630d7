import zlib from 'node:zlib';
import { readAhead, streamDecoder, zlibLikeError, type Decoder, type StreamDecoder } from './decoder.ts';

/**
 * A gzip stream (RFC 1952: one member or several, back to back) inflated as raw deflate, with the
 * framing read here. What this leaves out is the CRC-32 of each member (and of its header): node:zlib's
 * gunzip computes it over every uncompressed byte on the thread that inflates, ~9 % of a layer's inflate
 * time, and a layer needs none of it, because the SHA-256 of the same bytes (the diff_id) is always
 * checked, and the stored digest covers the trailer itself (docs/decisions.md, "Seal benchmark, fourth
 * pass"). Everything else gunzip checks is checked, with its error codes and messages: the magic, the
 * method, reserved flags, truncation anywhere (`Z_BUF_ERROR`), the ISIZE of each member, and what
 * follows the last member (zero padding is allowed, as gunzip allows it; anything else is an error).
 */
export function gzipDecoder(deliver: (chunk: Uint8Array) => void, chunkSize: number): Decoder {
  type Phase = 'header' | 'body' | 'trailer' | 'after' | 'padding';
  let phase: Phase = 'header';
  let pending: Uint8Array = new Uint8Array(0); // header or trailer bytes gathered so far (copies)
  let member: { decoder: StreamDecoder; written: number; out: number } | undefined;
  let error: unknown;
  let stopped = false;

  const fail = (e: unknown): void => {
    error ??= e;
    member?.decoder.stop();
  };

  const startMember = (): void => {
    const m = { decoder: undefined as unknown as StreamDecoder, written: 0, out: 0 };
    m.decoder = streamDecoder(zlib.createInflateRaw(readAhead(chunkSize)), (chunk) => {
      m.out += chunk.byteLength;
      deliver(chunk);
    });
    member = m;
    phase = 'body';
  };

  /** Feeds the current member; returns the bytes after its end (copied), or undefined if it goes on. */
  const feedBody = async (bytes: Uint8Array): Promise<Uint8Array | undefined> => {
    const m = member!;
    await m.decoder.write(bytes);
    if (m.decoder.error !== undefined) {
      fail(m.decoder.error);
      return undefined;
    }
    m.written += bytes.byteLength;
    const left = m.written - m.decoder.consumed;
    if (left === 0) return undefined;
    // The deflate stream ended inside this chunk (or exactly at the end of the previous one): what it
    // did not take is the trailer and whatever follows. Copied: the chunk's buffer is reused once this
    // write resolves.
    const rest = Uint8Array.from(bytes.subarray(bytes.byteLength - left));
    await m.decoder.end();
    if (m.decoder.error !== undefined) fail(m.decoder.error);
    phase = 'trailer';
    return rest;
  };

  const write = async (chunk: Uint8Array): Promise<void> => {
    let rest: Uint8Array | undefined = chunk;
    while (rest !== undefined && rest.byteLength > 0 && error === undefined && !stopped) {
      switch (phase) {
        case 'body':
          rest = await feedBody(rest);
          break;
        case 'header': {
          const gathered = concat(pending, rest);
          const header = parseGzipHeader(gathered);
          if (header instanceof Error) return fail(header);
          if (header === 'more') {
            if (gathered.byteLength > MAX_HEADER_BYTES)
              return fail(zlibLikeError('Z_DATA_ERROR', 'gzip header longer than 128 KiB'));
            pending = gathered === rest ? Uint8Array.from(rest) : gathered;
            rest = undefined;
            break;
          }
          pending = new Uint8Array(0);
          startMember();
          rest = gathered.subarray(header.length);
          break;
        }
        case 'trailer': {
          const take = Math.min(8 - pending.byteLength, rest.byteLength);
          // Copied (8 bytes at most): `rest` may be a view of a chunk that is reused after this write.
          pending = Uint8Array.from(concat(pending, rest.subarray(0, take)));
          rest = rest.subarray(take);
          if (pending.byteLength < 8) break;
          const isize = new DataView(pending.buffer, pending.byteOffset, 8).getUint32(4, true);
          if (isize !== member!.out % 2 ** 32)
            return fail(zlibLikeError('Z_DATA_ERROR', 'incorrect length check'));
          pending = new Uint8Array(0);
          phase = 'after';
          break;
        }
        case 'after':
          // Another member, or zero padding to the end; anything else is not gzip.
          if (rest[0] === 0x1f) phase = 'header';
          else if (rest[0] === 0) phase = 'padding';
          else return fail(zlibLikeError('Z_DATA_ERROR', 'incorrect header check'));
          break;
        case 'padding':
          if (rest.some((b) => b !== 0))
            return fail(zlibLikeError('Z_DATA_ERROR', 'data after the end of the gzip stream'));
          rest = undefined;
          break;
      }
    }
  };

  return {
    get error() {
      return error;
    },
    write,
    async end() {
      if (stopped || error !== undefined) {
        await member?.decoder.end();
        return;
      }
      if (phase === 'body') {
        await member!.decoder.end();
        // A deflate stream cut short fails in zlib; one that ended cleanly is missing its trailer.
        fail(member!.decoder.error ?? zlibLikeError('Z_BUF_ERROR', 'unexpected end of file'));
      } else if (phase === 'header' || phase === 'trailer') {
        fail(zlibLikeError('Z_BUF_ERROR', 'unexpected end of file'));
      }
    },
    stop() {
      stopped = true;
      member?.decoder.stop();
    },
  };
}

/** FEXTRA can hold 64 KiB; a name or comment longer than the rest of this is not a layer's. */
const MAX_HEADER_BYTES = 128 << 10;

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

/**
 * The length of the gzip member header at the start of `b` (RFC 1952 §2.3), `'more'` if `b` ends inside
 * it, or the error gunzip would give. The header CRC-16 (FHCRC) is skipped, not checked.
 */
export function parseGzipHeader(b: Uint8Array): { readonly length: number } | 'more' | Error {
  if ((b.length >= 1 && b[0] !== 0x1f) || (b.length >= 2 && b[1] !== 0x8b))
    return zlibLikeError('Z_DATA_ERROR', 'incorrect header check');
  if (b.length >= 3 && b[2] !== 8) return zlibLikeError('Z_DATA_ERROR', 'unknown compression method');
  if (b.length >= 4 && (b[3]! & RESERVED) !== 0)
    return zlibLikeError('Z_DATA_ERROR', 'unknown header flags set');
  if (b.length < 10) return 'more';
  const flags = b[3]!;
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 'more';
    at += 2 + (b[at]! | (b[at + 1]! << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    if (b.length < at) return 'more';
    const end = b.indexOf(0, at);
    if (end === -1) return 'more';
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  return b.length < at ? 'more' : { length: at };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
