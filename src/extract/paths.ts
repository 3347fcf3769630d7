/**
 * SPEC §4 path normalisation: leading `./` and `/` removed, `//` collapsed, `.` dropped, no trailing
 * slash, result absolute. A `..` is resolved lexically; one that would leave the root returns null
 * (the caller fails the layer, naming the entry).
 */
export function normalizeEntryPath(raw: string): string | null {
  // The usual name ("./usr/bin/env", "usr/lib/", "/etc/hosts") has nothing to collapse: its body is
  // taken as it is. A body with an empty segment or one starting with "." goes the long way.
  const start = raw.startsWith('./') ? 2 : raw.startsWith('/') ? 1 : 0;
  const end = raw.length > start && raw.endsWith('/') ? raw.length - 1 : raw.length;
  if (end > start) {
    const body = raw.slice(start, end);
    if (
      body.charCodeAt(0) !== 0x2e && // "."
      body.charCodeAt(0) !== 0x2f && // "/"
      !body.endsWith('/') &&
      !body.includes('//') &&
      !body.includes('/.')
    )
      return `/${body}`;
  }
  return normalizeSegments(raw);
}

function normalizeSegments(raw: string): string | null {
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

/** UTF-8 byte order of paths: the Merkle leaf order (src/merkle/order.ts). */
export { compareUtf8 } from '../merkle/order.ts';
