/**
 * SPEC §4 path normalisation: leading `./` and `/` removed, `//` collapsed, `.` dropped, no trailing
 * slash, result absolute. A `..` is resolved lexically; one that would leave the root returns null
 * (the caller fails the layer, naming the entry).
 */
export function normalizeEntryPath(raw: string): string | null {
  const out: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return `/${out.join('/')}`;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Orders strings by their UTF-8 bytes (= code point order). JavaScript's `<` compares UTF-16 code units,
 * which puts U+E000–U+FFFF after characters outside the BMP; shifting surrogates above them fixes that
 * without encoding every path.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
