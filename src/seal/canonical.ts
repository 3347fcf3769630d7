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

/** A container being walked; `parent`/`key` rebuild the JSON pointer, only when there is an error to report. */
interface Frame {
  value: object;
  parent: Frame | undefined;
  key: string;
  /** Set once its children have been checked (primitives) and pushed (containers). */
  done: boolean;
}

function pointerOf(frame: Frame | undefined, key?: string): string {
  const tokens: string[] = key === undefined ? [] : [key];
  for (let f = frame; f?.parent !== undefined; f = f.parent) tokens.push(f.key);
  return tokens
    .reverse()
    .map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

function where(frame: Frame | undefined, key?: string): string {
  const pointer = pointerOf(frame, key);
  return pointer === '' ? 'the value' : `the value at ${pointer}`;
}

/** Checks a primitive; returns false for an object or array (to be walked as a frame). */
function checkPrimitive(value: unknown, frame: Frame | undefined, key?: string): boolean {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) {
        throw new SealError(
          'CANONICAL_LONE_SURROGATE',
          `${where(frame, key)} holds an unpaired UTF-16 surrogate`,
        );
      }
      return true;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new SealError(
          'CANONICAL_NUMBER_NOT_FINITE',
          `${where(frame, key)} is ${value}, which JSON cannot represent`,
        );
      }
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new SealError(
          'CANONICAL_UNSAFE_INTEGER',
          `${where(frame, key)} is ${value}, an integer beyond 2^53 that JSON numbers cannot carry exactly`,
        );
      }
      return true;
    case 'boolean':
      return true;
    case 'object':
      return value === null;
    default:
      throw new SealError(
        'CANONICAL_UNSUPPORTED_VALUE',
        `${where(frame, key)} is ${typeof value}, which JSON cannot represent`,
      );
  }
}

/**
 * Depth-first with an explicit stack (values read back from disk may be nested arbitrarily deep), one
 * frame per container and none per primitive: a 200k-file payload holds over a million values.
 */
function assertCanonicalizable(root: unknown): void {
  if (checkPrimitive(root, undefined)) return;
  const stack: Frame[] = [];
  const onPath = new Set<object>();
  const enter = (value: object, parent: Frame | undefined, key: string): void => {
    const proto: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
      throw new SealError(
        'CANONICAL_UNSUPPORTED_VALUE',
        `${where(parent, parent === undefined ? undefined : key)} is a ${value.constructor?.name ?? 'non-plain object'}, not a plain object or array`,
      );
    }
    stack.push({ value, parent, key, done: false });
  };
  enter(root as object, undefined, '');
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    if (frame.done) {
      // Every child has been checked: leave the path (the same object may appear again elsewhere).
      onPath.delete(frame.value);
      stack.pop();
      continue;
    }
    frame.done = true;
    // Only ancestors are on the path: a container met again below itself is a cycle.
    if (onPath.has(frame.value)) {
      throw new SealError(
        'CANONICAL_UNSUPPORTED_VALUE',
        `${where(frame.parent, frame.key)} refers back to itself`,
      );
    }
    onPath.add(frame.value);
    const container = frame.value;
    if (Array.isArray(container)) {
      for (let i = container.length - 1; i >= 0; i--) {
        const child: unknown = container[i];
        if (!checkPrimitive(child, frame, String(i))) enter(child as object, frame, String(i));
      }
    } else {
      const record = container as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (!key.isWellFormed()) {
          throw new SealError(
            'CANONICAL_LONE_SURROGATE',
            `a key in ${where(frame)} holds an unpaired UTF-16 surrogate`,
          );
        }
        if (!checkPrimitive(record[key], frame, key)) enter(record[key] as object, frame, key);
      }
    }
  }
}
