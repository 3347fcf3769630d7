import { SealError } from './errors.ts';

/** Standard base64 with padding: what DSSE tools write (SPEC §7). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

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
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  if (bytes.toString('base64url') !== body.replaceAll('+', '-').replaceAll('/', '_')) {
    fail('bits set after the last byte');
  }
  return bytes;
}
