import { decodeText, PackageDbCorrupt } from './errors.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage } from './inventory.ts';

export const DPKG_STATUS = '/var/lib/dpkg/status';
const INFO_DIR = '/var/lib/dpkg/info/';

/** Package states whose files are on disk (dpkg-query(1) `Status`); `config-files` and `not-installed` are not. */
const PRESENT_STATES = new Set([
  'installed',
  'half-configured',
  'unpacked',
  'half-installed',
  'triggers-awaited',
  'triggers-pending',
]);

interface Stanza {
  readonly fields: Map<string, string>;
  readonly line: number;
}

/** deb822 stanzas: `Field: value`, continuation lines start with a space or tab, blank lines separate. */
export function parseDeb822(file: string, text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let fields = new Map<string, string>();
  let start = 1;
  let last: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') {
      if (fields.size > 0) stanzas.push({ fields, line: start });
      fields = new Map();
      last = undefined;
      start = n + 2;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined)
        throw new PackageDbCorrupt(file, `line ${n + 1}: continuation line outside a field`);
      fields.set(last, `${fields.get(last)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) {
      throw new PackageDbCorrupt(
        file,
        `line ${n + 1}: not a "Field: value" line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    last = line.slice(0, colon).toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  if (fields.size > 0) stanzas.push({ fields, line: start });
  return stanzas;
}

/** Multi-Arch: same packages are co-installable per architecture, and dpkg names their info files `name:arch`. */
export function dpkgKey(name: string, arch: string | undefined, multiArch: string | undefined): string {
  return multiArch === 'same' && arch ? `${name}:${arch}` : name;
}

/**
 * dpkg's database: `status` for names, versions and conffiles; `info/<pkg>[:arch].list` for the files each
 * package installed; `.md5sums` and `.conffiles` beside them. A corrupt `status` leaves every dpkg-owned
 * file `Unknown` (the packages are still known from their `.list` files, without versions).
 */
export function readDpkg(captured: CapturedFiles): EcosystemPackages {
  const notes: string[] = [];
  const statusBytes = captured.get(DPKG_STATUS);
  const present = statusBytes !== undefined;
  const packages = new Map<
    string,
    InstalledPackage & { conffiles: Set<string>; md5sums: Map<string, string> }
  >();
  let statusReadable = false;
  if (statusBytes !== undefined) {
    try {
      for (const stanza of parseDeb822(DPKG_STATUS, decodeText(DPKG_STATUS, statusBytes))) {
        const f = stanza.fields;
        const name = f.get('package');
        const version = f.get('version');
        const state = f.get('status')?.split(/\s+/)[2];
        if (!name || !state) {
          throw new PackageDbCorrupt(
            DPKG_STATUS,
            `stanza at line ${stanza.line} has no Package or Status field`,
          );
        }
        if (!PRESENT_STATES.has(state)) continue;
        if (!version)
          throw new PackageDbCorrupt(DPKG_STATUS, `package ${name} (line ${stanza.line}) has no Version`);
        const arch = f.get('architecture');
        const key = dpkgKey(name, arch, f.get('multi-arch'));
        const conffiles = new Set<string>();
        for (const line of (f.get('conffiles') ?? '').split('\n')) {
          const path = line.trim().split(/\s+/)[0];
          if (path?.startsWith('/')) conffiles.add(path);
        }
        const source = f.get('source')?.split(/\s+/)[0];
        packages.set(key, {
          key: `deb:${key}`,
          ecosystem: 'deb',
          name,
          version,
          ...(arch ? { arch } : {}),
          ...(source ? { sourceName: source } : {}),
          conffiles,
          md5sums: new Map(),
        });
      }
      statusReadable = true;
    } catch (error) {
      if (!(error instanceof PackageDbCorrupt)) throw error;
      notes.push(`dpkg database unreadable, its packages' files are Unknown: ${error.message}`);
      packages.clear();
    }
  }

  const owners = new Map<string, string>();
  for (const [path, bytes] of captured) {
    if (!path.startsWith(INFO_DIR)) continue;
    const base = path.slice(INFO_DIR.length);
    const match = /^(.+)\.(list|md5sums|conffiles)$/.exec(base);
    if (!match || base.includes('/')) continue;
    const [, key, kind] = match as unknown as [string, string, string];
    let pkg = packages.get(key);
    if (pkg === undefined) {
      // Without a readable status the package is known only by name; a list for a package the status
      // does not have as installed (a leftover) is ignored.
      if (statusReadable || !present) continue;
      const [name, arch] = key.split(':');
      pkg = {
        key: `deb:${key}`,
        ecosystem: 'deb',
        name: name!,
        version: null,
        ...(arch ? { arch } : {}),
        conffiles: new Set(),
        md5sums: new Map(),
      };
      packages.set(key, pkg);
    }
    let text: string;
    try {
      text = decodeText(path, bytes);
    } catch (error) {
      notes.push((error as Error).message);
      continue;
    }
    for (const raw of text.split('\n')) {
      const line = raw.trimEnd();
      if (line === '') continue;
      if (kind === 'list') {
        if (!owners.has(line)) owners.set(line, pkg.key);
      } else if (kind === 'conffiles') {
        const file = line.split(/\s+/).find((word) => word.startsWith('/'));
        if (file) pkg.conffiles.add(file);
      } else {
        const m = /^([0-9a-f]{32})\s+(.+)$/.exec(line);
        if (m) pkg.md5sums.set(`/${m[2]!.replace(/^\/+/, '')}`, m[1]!);
      }
    }
  }
  return { packages: [...packages.values()], owners, notes, present };
}
