import { decodeText, PackageDbCorrupt } from './errors.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage } from './inventory.ts';

const MANIFEST = /\/node_modules\/((?:@[^/]+\/)?[^/@.][^/]*)\/package\.json$/;

/**
 * The directory of the npm package that installed `path`: the deepest `node_modules/<name>` (or
 * `node_modules/@scope/<name>`) above it, so a nested dependency owns its own files.
 */
export function npmPackageDir(path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const rest = path.slice(at + '/node_modules/'.length).split('/');
  const scoped = rest[0]?.startsWith('@');
  const segments = scoped ? 2 : 1;
  // The package directory itself must be followed by a file inside it.
  if (rest.length <= segments || rest[0]!.startsWith('.') || (scoped && !rest[1])) return undefined;
  return `${path.slice(0, at)}/node_modules/${rest.slice(0, segments).join('/')}`;
}

/** Each `node_modules` package's `package.json` (name, version), keyed by its directory. */
export function readNpm(captured: CapturedFiles): EcosystemPackages {
  const packages: InstalledPackage[] = [];
  const notes: string[] = [];
  const byDir = new Set<string>();
  for (const [path, bytes] of captured) {
    if (!MANIFEST.test(path)) continue;
    const dir = path.slice(0, -'/package.json'.length);
    const key = `npm:${dir}`;
    byDir.add(dir);
    try {
      let json: unknown;
      try {
        json = JSON.parse(decodeText(path, bytes));
      } catch (error) {
        if (error instanceof PackageDbCorrupt) throw error;
        throw new PackageDbCorrupt(path, 'not valid JSON');
      }
      const { name, version } = (json ?? {}) as { name?: unknown; version?: unknown };
      if (typeof name !== 'string' || typeof version !== 'string' || !name || !version) {
        throw new PackageDbCorrupt(path, 'no string "name" and "version"');
      }
      packages.push({ key, ecosystem: 'npm', name, version, location: dir });
    } catch (error) {
      if (!(error instanceof PackageDbCorrupt)) throw error;
      notes.push(`npm package unreadable, its files are Unknown: ${error.message}`);
      packages.push({
        key,
        ecosystem: 'npm',
        name: dir.slice(dir.lastIndexOf('/node_modules/') + 14),
        version: null,
        location: dir,
      });
    }
  }
  const ownerByPath = (path: string) => {
    const dir = npmPackageDir(path);
    return dir !== undefined && byDir.has(dir) ? `npm:${dir}` : undefined;
  };
  return { packages, owners: new Map(), ownerByPath, notes, present: packages.length > 0 };
}
