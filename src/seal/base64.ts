import { SealError } from './errors.ts';

/** Standard base64 with padding: what DSSE tools write (SPEC §7). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Standard or URL-safe base64, padded or not (DSSE readers must accept both). Node's decoder skips
 * characters it does not know, so the text is checked first; and it must be the one canonical
 * spelling of its bytes (no stray bits after the last byte), so one payload has one encoding.
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  const fail = (why: string): never => {
    throw new SealError('DSSE_BASE64_INVALID', `${what} is not valid base64: ${why}`);
  };
  if (typeof text !== 'string') fail('not a string');
  const urlSafe = !STANDARD.test(text);
  if (urlSafe && !URL_SAFE.test(text)) fail('characters outside the standard and the URL-safe alphabets');
  const padded = text.endsWith('=');
  if (padded ? text.length % 4 !== 0 : text.length % 4 === 1) fail(`length ${text.length} is impossible`);
  const body = text.replace(/=+$/, '');
  // The last character of a 2- or 3-character final group carries 4 or 2 bits that encode nothing;
  // they must be zero. (Checked here rather than by re-encoding: payloads run to tens of megabytes.)
  const spare = body.length % 4 === 2 ? 0b1111 : body.length % 4 === 3 ? 0b11 : 0;
  if (spare !== 0 && (ALPHABET.indexOf(body.at(-1)!.replace('-', '+').replace('_', '/')) & spare) !== 0) {
    fail('bits set after the last byte');
  }
  return Buffer.from(body, urlSafe ? 'base64url' : 'base64');
}
