import { gunzipSync } from 'node:zlib';
import { compareDebianVersions } from './dpkg-version.ts';
import { decodeText, PackageDbCorrupt } from './errors.ts';

/** One entry of a Debian changelog (deb-changelog(5)). */
export interface ChangelogEntry {
  readonly package: string;
  readonly version: string;
  readonly suites: readonly string[];
  readonly urgency: string | undefined;
  /** CVE ids named in the entry's text, upper-cased, unique, in order of appearance. */
  readonly cves: readonly string[];
}

const HEADER = /^(\w[-+0-9a-z.]*) \(([^() \t]+)\)((?:\s+[-+0-9a-z.]+)+);(.*)$/i;
const TRAILER = /^ -- /;
const CVE = /CVE-\d{4}-\d{4,}/gi;
/** A changelog over this size once decompressed is refused rather than held (a gzip bomb guard). */
const MAX_CHANGELOG_BYTES = 32 * 1024 * 1024;

/** Decompresses and parses `changelog.Debian.gz`; throws `PackageDbCorrupt` naming `file`. */
export function readDebianChangelog(file: string, gz: Uint8Array): ChangelogEntry[] {
  let text: string;
  try {
    text = decodeText(file, gunzipSync(gz, { maxOutputLength: MAX_CHANGELOG_BYTES }));
  } catch (error) {
    if (error instanceof PackageDbCorrupt) throw error;
    throw new PackageDbCorrupt(file, `not a readable gzip stream (${(error as Error).message})`);
  }
  return parseDebianChangelog(file, text);
}

/**
 * Entries in file order (newest first). The first non-blank line must be an entry header; parsing stops
 * at the first line in column 0 that is neither a header nor a trailer (old changelog formats, editor
 * footers), as dpkg-parsechangelog does.
 */
export function parseDebianChangelog(file: string, text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let current: { header: RegExpExecArray; body: string[] } | undefined;
  const flush = () => {
    if (current === undefined) return;
    const [, pkg, version, suites, rest] = current.header;
    const urgency = /urgency=([a-z]+)/i.exec(rest ?? '')?.[1];
    const cves = [...new Set((current.body.join('\n').match(CVE) ?? []).map((id) => id.toUpperCase()))];
    entries.push({ package: pkg!, version: version!, suites: suites!.trim().split(/\s+/), urgency, cves });
    current = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const header = HEADER.exec(line);
    if (header) {
      flush();
      current = { header, body: [] };
    } else if (/^\s/.test(line) && !TRAILER.test(line)) {
      if (current === undefined) throw new PackageDbCorrupt(file, 'text before the first entry header');
      current.body.push(line);
    } else if (TRAILER.test(line)) {
      if (current === undefined)
        throw new PackageDbCorrupt(file, 'a trailer line before the first entry header');
    } else {
      if (entries.length === 0 && current === undefined) {
        throw new PackageDbCorrupt(
          file,
          `the first line is not an entry header: ${JSON.stringify(line.slice(0, 80))}`,
        );
      }
      break;
    }
  }
  flush();
  if (entries.length === 0) throw new PackageDbCorrupt(file, 'no changelog entries');
  return entries;
}

/** The entries newer than `from`, up to and including `to`: what an upgrade from → to brought. */
export function entriesBetween(
  entries: readonly ChangelogEntry[],
  from: string,
  to: string,
): ChangelogEntry[] {
  return entries.filter(
    (e) => compareDebianVersions(e.version, from) > 0 && compareDebianVersions(e.version, to) <= 0,
  );
}

/** SPEC §9: an upgrade is a security patch when one of its entries targets a `*-security` suite or names CVEs. */
export function isSecurityUpgrade(entries: readonly ChangelogEntry[]): boolean {
  return entries.some((e) => e.cves.length > 0 || e.suites.some((s) => s.endsWith('-security')));
}
