/** Builders of package-database files for tests (unit and integration). */

export interface DebFixture {
  name: string;
  version: string;
  arch?: string;
  multiArch?: 'same' | 'foreign';
  source?: string;
  files?: string[];
  conffiles?: string[];
  /** path → md5 (defaults to a hash of path and version). */
  md5?: Record<string, string>;
  status?: string;
}

export function dpkgStatus(packages: DebFixture[]): string {
  return packages
    .map((p) => {
      const lines = [
        `Package: ${p.name}`,
        `Status: ${p.status ?? 'install ok installed'}`,
        'Priority: optional',
        `Architecture: ${p.arch ?? 'amd64'}`,
        ...(p.multiArch ? [`Multi-Arch: ${p.multiArch}`] : []),
        ...(p.source ? [`Source: ${p.source}`] : []),
        `Version: ${p.version}`,
        ...(p.conffiles?.length ? ['Conffiles:', ...p.conffiles.map((c) => ` ${c} ${'0'.repeat(32)}`)] : []),
        'Description: test package',
        ' with a long description.',
      ];
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** The dpkg database files (status, info/*.list, *.md5sums, *.conffiles) for these packages. */
export function dpkgDatabase(packages: DebFixture[]): Map<string, string> {
  const files = new Map<string, string>([['/var/lib/dpkg/status', dpkgStatus(packages)]]);
  for (const p of packages) {
    const key = p.multiArch === 'same' ? `${p.name}:${p.arch ?? 'amd64'}` : p.name;
    const paths = p.files ?? [];
    files.set(`/var/lib/dpkg/info/${key}.list`, ['/.', ...paths].join('\n') + '\n');
    files.set(
      `/var/lib/dpkg/info/${key}.md5sums`,
      paths
        .filter((f) => !(p.conffiles ?? []).includes(f))
        .map((f) => `${p.md5?.[f] ?? md5ish(`${f}@${p.version}`)}  ${f.slice(1)}`)
        .join('\n') + '\n',
    );
    if (p.conffiles?.length) files.set(`/var/lib/dpkg/info/${key}.conffiles`, p.conffiles.join('\n') + '\n');
  }
  return files;
}

function md5ish(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(4);
}

export interface ChangelogFixtureEntry {
  version: string;
  suite?: string;
  text?: string;
}

export function debianChangelog(pkg: string, entries: ChangelogFixtureEntry[]): string {
  return entries
    .map(
      (e) =>
        `${pkg} (${e.version}) ${e.suite ?? 'bookworm'}; urgency=medium\n\n  * ${e.text ?? 'Changes.'}\n\n -- Maintainer <m@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
    )
    .join('\n');
}

export function toCaptured(files: Map<string, string | Uint8Array>): Map<string, Uint8Array> {
  return new Map([...files].map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v) : v]));
}
