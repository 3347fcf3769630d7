import { posix } from 'node:path';
import { decodeText, PackageDbCorrupt } from './errors.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage } from './inventory.ts';

const METADATA = /^(.*)\/([^/]+)\.dist-info\/METADATA$/;

/** PEP 503 normalisation: how pip matches distribution names. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** One RECORD row's path (CSV, first column; a quoted path may hold commas and doubled quotes). */
function recordPath(line: string): string {
  if (!line.startsWith('"')) return line.slice(0, line.indexOf(',') >= 0 ? line.indexOf(',') : undefined);
  let out = '';
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '"') {
      if (line[i + 1] === '"') {
        out += '"';
        i++;
      } else break;
    } else out += line[i];
  }
  return out;
}

/**
 * Python distributions installed by pip: `*.dist-info/METADATA` (Name, Version: RFC 822 headers) and
 * `RECORD` (the files, relative to the directory holding the dist-info). Keyed by that directory and the
 * normalised name.
 */
export function readPython(captured: CapturedFiles): EcosystemPackages {
  const packages: InstalledPackage[] = [];
  const owners = new Map<string, string>();
  const notes: string[] = [];
  for (const [path, bytes] of captured) {
    const match = METADATA.exec(path);
    if (!match) continue;
    const siteDir = match[1] || '/';
    const distInfo = path.slice(0, -'/METADATA'.length);
    const fallbackName = match[2]!.replace(/-[^-]*$/, '');
    let pkg: InstalledPackage;
    try {
      const headers = new Map<string, string>();
      for (const line of decodeText(path, bytes).split('\n')) {
        if (line.trim() === '') break;
        const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (m && !headers.has(m[1]!.toLowerCase())) headers.set(m[1]!.toLowerCase(), m[2]!.trim());
      }
      const name = headers.get('name');
      const version = headers.get('version');
      if (!name || !version) throw new PackageDbCorrupt(path, 'no Name or Version header');
      pkg = {
        key: `pypi:${siteDir}:${normalizePythonName(name)}`,
        ecosystem: 'pypi',
        name,
        version,
        location: siteDir,
      };
    } catch (error) {
      if (!(error instanceof PackageDbCorrupt)) throw error;
      notes.push(`Python distribution unreadable, its files are Unknown: ${error.message}`);
      pkg = {
        key: `pypi:${siteDir}:${normalizePythonName(fallbackName)}`,
        ecosystem: 'pypi',
        name: fallbackName,
        version: null,
        location: siteDir,
      };
    }
    packages.push(pkg);
    const record = captured.get(`${distInfo}/RECORD`);
    if (record === undefined) continue;
    try {
      for (const line of decodeText(`${distInfo}/RECORD`, record).split('\n')) {
        if (line.trim() === '') continue;
        const rel = recordPath(line.replace(/\r$/, ''));
        const abs = rel.startsWith('/') ? posix.normalize(rel) : posix.normalize(posix.join(siteDir, rel));
        if (!owners.has(abs)) owners.set(abs, pkg.key);
      }
    } catch (error) {
      notes.push((error as Error).message);
    }
  }
  return { packages, owners, notes, present: packages.length > 0 };
}
