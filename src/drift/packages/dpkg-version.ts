/**
 * Debian version comparison, as dpkg does it (deb-version(7); dpkg's lib/dpkg/version.c):
 * `[epoch:]upstream[-revision]`; epochs compare as numbers, then upstream, then revision, each with
 * `verrevcmp`: alternating non-digit runs (letters sort before non-letters, `~` before everything,
 * even the end of the string) and digit runs compared as numbers.
 */
export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

export function parseDebianVersion(text: string): DebianVersion {
  const version = text.trim();
  const colon = version.indexOf(':');
  let epoch = 0;
  let rest = version;
  if (colon >= 0 && /^\d+$/.test(version.slice(0, colon))) {
    epoch = Number(version.slice(0, colon));
    rest = version.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

/** Negative, zero or positive as `a` sorts before, equal to or after `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAlpha(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The weight of one character in a non-digit run; the end of the string weighs 0. */
function order(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

function digitAt(s: string, i: number): boolean {
  return i < s.length && isDigit(s.charCodeAt(i));
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !digitAt(a, i)) || (j < b.length && !digitAt(b, j))) {
      const ac = order(a, i);
      const bc = order(b, j);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (digitAt(a, i) && digitAt(b, j)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (digitAt(a, i)) return 1;
    if (digitAt(b, j)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/**
 * SPEC §9, for images without a changelog: the upstream version (and epoch) unchanged and only a
 * security-style revision suffix changed: Debian's `+debNNuM` (stable and security updates) or Ubuntu's
 * `ubuntuN.M` (`-0ubuntu0.22.04.1` style).
 */
export function isSecurityStyleRevisionBump(from: string, to: string): boolean {
  const a = parseDebianVersion(from);
  const b = parseDebianVersion(to);
  if (a.epoch !== b.epoch || a.upstream !== b.upstream || a.revision === b.revision) return false;
  // The new revision must carry the suffix; the old one may carry an earlier one (`ubuntu1` → `ubuntu1.1`).
  if (!/(?:\+deb\d+u\d+|ubuntu\d+(?:\.\d+)+)$/.test(b.revision)) return false;
  const strip = (revision: string) => revision.replace(/(?:\+deb\d+u\d+|ubuntu\d+(?:\.\d+)*)$/, '');
  return strip(a.revision) === strip(b.revision);
}
