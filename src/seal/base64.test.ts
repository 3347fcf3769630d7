import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.ts';

const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x3e, 0x3f]);

describe('envelope base64', () => {
  it('writes standard base64 with padding', () => {
    expect(encodeBase64(bytes)).toBe('+/+/Pj8=');
  });

  it.each(['+/+/Pj8=', '+/+/Pj8', '-_-_Pj8=', '-_-_Pj8'])(
    'reads %s (standard or URL-safe, padded or not)',
    (text) => {
      expect(Buffer.from(decodeBase64(text, 'payload'))).toEqual(bytes);
    },
  );

  it('reads the empty string as no bytes', () => {
    expect(decodeBase64('', 'payload')).toHaveLength(0);
  });

  it.each([
    ['a character of neither alphabet', 'aGk*'],
    ['both alphabets at once', '+/-_Pj8='],
    ['whitespace (Node would skip it)', 'aG k='],
    ['a wrong amount of padding', 'aGk=='],
    ['an impossible length', 'aGkxM'],
    ['bits set after the last byte', 'aGl='],
    ['padding in the middle', 'aG=k'],
  ])('refuses %s', (_what, text) => {
    expect(() => decodeBase64(text, 'payload')).toThrow(
      expect.objectContaining({ code: 'DSSE_BASE64_INVALID' }),
    );
  });
});
