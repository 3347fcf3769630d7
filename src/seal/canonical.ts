import canonicalizeJson from 'canonicalize';
import { SealError } from './errors.ts';

/**
 * RFC 8785 (JCS) text of `value`, via `canonicalize@5`. That library follows JSON.stringify where JSON
 * has no answer: it drops `undefined` members, writes `null` for functions in arrays, honours
 * `toJSON`. For something we sign, each of those is a silent change of meaning, so this refuses them,
 * along with integers beyond 2^53 (they were rounded before we saw them), before the library runs.
 */
export function canonicalJson(value: unknown): string {
  assertCanonicalizable(value);
  // Only `undefined` makes the library return undefined, and that was refused above.
  return canonicalizeJson(value)!;
}

/** The UTF-8 bytes of `canonicalJson(value)`: what a DSSE payload carries. */
export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

const where = (pointer: string): string => (pointer === '' ? 'the value' : `the value at ${pointer}`);

const pointerToken = (key: string | number): string =>
  String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/** An explicit stack rather than recursion: values read back from disk may be nested arbitrarily deep. */
function assertCanonicalizable(root: unknown): void {
  const stack: { value: unknown; pointer: string }[] = [{ value: root, pointer: '' }];
  const onPath = new Set<object>();
  const exits: { object: object; after: number }[] = [];
  while (stack.length > 0) {
    // Leave containers whose children are all done (keeps `onPath` to the ancestors, for cycles).
    while (exits.length > 0 && exits.at(-1)!.after >= stack.length) onPath.delete(exits.pop()!.object);
    const { value, pointer } = stack.pop()!;
    switch (typeof value) {
      case 'string':
        if (!value.isWellFormed()) {
          throw new SealError(
            'CANONICAL_LONE_SURROGATE',
            `${where(pointer)} holds an unpaired UTF-16 surrogate`,
          );
        }
        continue;
      case 'number':
        if (!Number.isFinite(value)) {
          throw new SealError(
            'CANONICAL_NUMBER_NOT_FINITE',
            `${where(pointer)} is ${value}, which JSON cannot represent`,
          );
        }
        if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
          throw new SealError(
            'CANONICAL_UNSAFE_INTEGER',
            `${where(pointer)} is ${value}, an integer beyond 2^53 that JSON numbers cannot carry exactly`,
          );
        }
        continue;
      case 'boolean':
        continue;
      case 'object':
        break;
      default:
        throw new SealError(
          'CANONICAL_UNSUPPORTED_VALUE',
          `${where(pointer)} is ${typeof value}, which JSON cannot represent`,
        );
    }
    if (value === null) continue;
    const proto: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
      throw new SealError(
        'CANONICAL_UNSUPPORTED_VALUE',
        `${where(pointer)} is a ${value.constructor?.name ?? 'non-plain object'}, not a plain object or array`,
      );
    }
    if (onPath.has(value))
      throw new SealError('CANONICAL_UNSUPPORTED_VALUE', `${where(pointer)} refers back to itself`);
    onPath.add(value);
    exits.push({ object: value, after: stack.length });
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], pointer: `${pointer}/${i}` });
    } else {
      for (const [key, child] of Object.entries(value)) {
        if (!key.isWellFormed()) {
          throw new SealError(
            'CANONICAL_LONE_SURROGATE',
            `a key in ${where(pointer)} holds an unpaired UTF-16 surrogate`,
          );
        }
        stack.push({ value: child, pointer: `${pointer}/${pointerToken(key)}` });
      }
    }
  }
}
