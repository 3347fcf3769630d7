/**
 * UTF-8 byte order of two strings (SPEC §6), without encoding: UTF-16 order differs only where a
 * surrogate meets a unit in U+E000–U+FFFF, so those two ranges are remapped at the first difference.
 * TODO(merkle): use `compareUtf8` from src/merkle once it has landed; this is the same function.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

function weight(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
