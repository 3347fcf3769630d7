import canonicalizeJson from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from './canonical.ts';

const fromBits = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

/** RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text. */
const NUMBERS: [bits: string, text: string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'], // minus zero
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

/** RFC 8785 §3.2.2 input (as JSON text) and output. */
const STRUCTURES_INPUT = String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`;
const STRUCTURES_OUTPUT = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;

describe('canonical JSON (RFC 8785)', () => {
  it('the canonicalize dependency reproduces RFC 8785 §3.2.2 and every Appendix B number', () => {
    expect(canonicalizeJson(JSON.parse(STRUCTURES_INPUT))).toBe(STRUCTURES_OUTPUT);
    for (const [bits, text] of NUMBERS) expect(canonicalizeJson(fromBits(bits)), bits).toBe(text);
  });

  it('writes the RFC 8785 §3.2.2 example, less its 1E30, exactly', () => {
    const input = JSON.parse(STRUCTURES_INPUT) as { numbers: number[] };
    input.numbers.splice(1, 1);
    expect(canonicalJson(input)).toBe(STRUCTURES_OUTPUT.replace('1e+30,', ''));
  });

  it('orders keys by UTF-16 code units: U+1F600 (outside the BMP) before U+FB33 (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\u{1F600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalJson(input)).toBe(expected);
    // The UTF-8 bytes RFC 8785 §3.2.3 lists for the keys, in order.
    const bytes = Buffer.from(canonicalBytes(input)).toString('hex');
    const order = ['5c72', '31', 'c280', 'c3b6', 'e282ac', 'f09f9880', 'efacb3'].map((k) =>
      bytes.indexOf(`22${k}223a`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
  });

  it('formats every Appendix B number within 2^53 as the RFC does', () => {
    for (const [bits, text] of NUMBERS) {
      const value = fromBits(bits);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) continue;
      expect(canonicalJson([value]), bits).toBe(`[${text}]`);
    }
  });

  it('refuses integers beyond 2^53, which were rounded before they reached us', () => {
    const refused = NUMBERS.map(([bits]) => fromBits(bits)).filter(
      (v) => Number.isInteger(v) && !Number.isSafeInteger(v),
    );
    expect(refused.length).toBe(11);
    for (const value of refused) {
      expect(() => canonicalJson({ size: value })).toThrow(
        expect.objectContaining({ code: 'CANONICAL_UNSAFE_INTEGER' }),
      );
    }
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(() => canonicalJson(JSON.parse(STRUCTURES_INPUT))).toThrow(/\/numbers\/1/);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('refuses %s', (_what, value) => {
    expect(() => canonicalJson({ a: [value] })).toThrow(
      expect.objectContaining({ code: 'CANONICAL_NUMBER_NOT_FINITE' }),
    );
  });

  it('refuses an unpaired surrogate in a value or in a key', () => {
    expect(() => canonicalJson({ a: 'x\ud800' })).toThrow(
      expect.objectContaining({ code: 'CANONICAL_LONE_SURROGATE' }),
    );
    expect(() => canonicalJson({ ['\udc00']: 1 })).toThrow(
      expect.objectContaining({ code: 'CANONICAL_LONE_SURROGATE' }),
    );
    expect(canonicalJson('\ud83d\ude00')).toBe('"\u{1F600}"');
  });

  it.each([
    ['undefined as a member', { a: undefined }],
    ['undefined in an array', [1, undefined]],
    ['a function', { f: () => 1 }],
    ['a symbol', [Symbol('s')]],
    ['a bigint', { n: 1n }],
    ['a Date (toJSON would silently change it)', { at: new Date(0) }],
    ['a Map', { m: new Map() }],
    ['undefined itself', undefined],
  ])('refuses %s', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow(
      expect.objectContaining({ code: 'CANONICAL_UNSUPPORTED_VALUE' }),
    );
  });

  it('refuses a cycle but accepts the same object twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { again: cyclic };
    expect(() => canonicalJson(cyclic)).toThrow(
      expect.objectContaining({ code: 'CANONICAL_UNSUPPORTED_VALUE' }),
    );
  });

  it('names the offending value by JSON pointer', () => {
    expect(() => canonicalJson({ manifest: { files: [{ 'a/b': NaN }] } })).toThrow('/manifest/files/0/a~1b');
  });

  it('handles deep nesting without exhausting the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(canonicalJson(deep)).toHaveLength(20_001);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, number>;
    bare.b = 2;
    bare.a = 1;
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});
