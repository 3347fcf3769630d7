import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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

describe('decodeBase64 against the character-by-character rules', () => {
  /** The rules as first written (regular expressions over the whole text): the reference. */
  function reference(text: string): Buffer | undefined {
    const urlSafe = !/^[A-Za-z0-9+/]*={0,2}$/.test(text);
    if (urlSafe && !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
    const padded = text.endsWith('=');
    if (padded ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
    const body = text.replace(/=+$/, '');
    const spare = body.length % 4 === 2 ? 0b1111 : body.length % 4 === 3 ? 0b11 : 0;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    if (spare !== 0 && (alphabet.indexOf(body.at(-1)!.replace('-', '+').replace('_', '/')) & spare) !== 0)
      return undefined;
    return Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  }
  const attempt = (text: string): Buffer | undefined => {
    try {
      return Buffer.from(decodeBase64(text, 'payload'));
    } catch {
      return undefined;
    }
  };

  it('accepts and refuses exactly what the reference does, on near-base64 text', () => {
    const unit = fc.constantFrom(...'AQgw/+_-=aZ9 *\n'.split(''));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 14 }), (units) => {
        const text = units.join('');
        expect(attempt(text)).toEqual(reference(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads every spelling of random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
        const bytes = Buffer.from(raw);
        const standard = bytes.toString('base64');
        const urlSafe = bytes.toString('base64url');
        for (const text of [
          standard,
          standard.replace(/=+$/, ''),
          urlSafe,
          urlSafe.padEnd(standard.length, '='),
        ])
          expect(attempt(text)).toEqual(bytes);
      }),
    );
  });
});
