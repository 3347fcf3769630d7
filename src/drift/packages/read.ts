import type { Ecosystem } from '../../model/drift.ts';
import { readApk } from './apk.ts';
import { readDpkg } from './dpkg.ts';
import { readGo } from './golang.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage, PackageInventory } from './inventory.ts';
import { readNpm } from './npm.ts';
import { readPython } from './python.ts';

/**
 * Debian 12 and Ubuntu merged `/bin`, `/sbin` and `/lib*` into `/usr` with symlinks, but packages built
 * before the move still list `/bin/bash`: a file at `/usr/bin/bash` is looked up under both names.
 */
const USRMERGE = /^\/usr\/(bin|sbin|lib|lib32|lib64|libx32)\//;
const DPKG_INFO = '/var/lib/dpkg/info/';
const UNMERGED = /^\/(bin|sbin|lib|lib32|lib64|libx32)\//;

export function usrMergeAlias(path: string): string | undefined {
  if (USRMERGE.test(path)) return path.slice(4);
  if (UNMERGED.test(path)) return `/usr${path}`;
  return undefined;
}

function parseOsRelease(bytes: Uint8Array | undefined): { id?: string; codename?: string } {
  if (bytes === undefined) return {};
  const values = new Map<string, string>();
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
    const m = /^([A-Z_]+)=("?)(.*)\2\s*$/.exec(line.trim());
    if (m) values.set(m[1]!, m[3]!);
  }
  const id = values.get('ID')?.toLowerCase();
  const codename = values.get('VERSION_CODENAME');
  return { ...(id ? { id } : {}), ...(codename ? { codename } : {}) };
}

/**
 * Reads every package database the image holds. Pure and fault tolerant: a corrupt file costs only the
 * attribution of what it describes, and says so in `notes`.
 */
export function readPackageInventory(captured: CapturedFiles): PackageInventory {
  const readers: [Ecosystem, (c: CapturedFiles) => EcosystemPackages][] = [
    ['deb', readDpkg],
    ['apk', readApk],
    ['npm', readNpm],
    ['pypi', readPython],
    ['golang', readGo],
  ];
  const packages = new Map<string, InstalledPackage>();
  const owners = new Map<string, string>();
  const structural: ((path: string) => string | undefined)[] = [];
  const ecosystems = new Set<Ecosystem>();
  const notes: string[] = [];
  for (const [ecosystem, read] of readers) {
    const result = read(captured);
    if (result.present) ecosystems.add(ecosystem);
    notes.push(...result.notes);
    for (const pkg of result.packages) packages.set(pkg.key, pkg);
    for (const [path, key] of result.owners) if (!owners.has(path)) owners.set(path, key);
    if (result.ownerByPath) structural.push(result.ownerByPath);
  }
  const distro = parseOsRelease(captured.get('/etc/os-release') ?? captured.get('/usr/lib/os-release'));
  const ownerOf = (path: string): InstalledPackage | undefined => {
    let key = owners.get(path);
    if (key === undefined) {
      const alias = usrMergeAlias(path);
      if (alias !== undefined) key = owners.get(alias);
    }
    for (let i = 0; key === undefined && i < structural.length; i++) key = structural[i]!(path);
    // dpkg's own files about a package (`info/<pkg>.list`, `.md5sums`, maintainer scripts) belong to it.
    if (key === undefined && path.startsWith(DPKG_INFO)) {
      const name = path.slice(DPKG_INFO.length).replace(/\.[^./]+$/, '');
      if (packages.has(`deb:${name}`)) key = `deb:${name}`;
    }
    return key === undefined ? undefined : packages.get(key);
  };
  return { packages, ownerOf, captured, distro, ecosystems, notes };
}

/** An image without package data (a seals file): nothing is owned, nothing is known. */
export const EMPTY_INVENTORY: PackageInventory = Object.freeze({
  packages: new Map(),
  ownerOf: () => undefined,
  captured: new Map(),
  distro: {},
  ecosystems: new Set<Ecosystem>(),
  notes: [],
});
