import { decodeText, PackageDbCorrupt } from './errors.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage } from './inventory.ts';

const MODULES_TXT = /^(.*\/vendor)\/modules\.txt$/;

/**
 * Go vendor trees: `vendor/modules.txt` lists `# module version [=> replacement version]` lines, each
 * followed by `## explicit…` markers and the module's package import paths. A vendored file belongs to
 * the module whose path is the longest prefix of its path under `vendor/`.
 */
export function readGo(captured: CapturedFiles): EcosystemPackages {
  const packages: InstalledPackage[] = [];
  const notes: string[] = [];
  const trees: { vendor: string; modules: string[] }[] = [];
  for (const [path, bytes] of captured) {
    const match = MODULES_TXT.exec(path);
    if (!match) continue;
    const vendor = match[1]!;
    try {
      const found: InstalledPackage[] = [];
      const lines = decodeText(path, bytes).split('\n');
      let inModule = false;
      for (let n = 0; n < lines.length; n++) {
        const line = lines[n]!.trim();
        if (line === '' || line.startsWith('## ')) continue;
        if (line.startsWith('# ')) {
          const m = /^# (\S+)(?: (\S+))?(?: => (\S+)(?: (\S+))?)?$/.exec(line);
          if (!m) throw new PackageDbCorrupt(path, `line ${n + 1}: not a "# module version" line`);
          const [, module, version, replacement, replacementVersion] = m;
          const effective = replacementVersion ?? version ?? (replacement ? `(${replacement})` : undefined);
          if (effective === undefined)
            throw new PackageDbCorrupt(path, `line ${n + 1}: module ${module} has no version`);
          // A `# module => ./local` line with no version of its own still names a vendored module.
          if (found.some((p) => p.name === module)) continue;
          found.push({
            key: `golang:${vendor}:${module}`,
            ecosystem: 'golang',
            name: module!,
            version: effective,
            location: vendor,
          });
          inModule = true;
        } else if (!inModule || /\s/.test(line)) {
          throw new PackageDbCorrupt(path, `line ${n + 1}: a package line outside a module`);
        }
      }
      packages.push(...found);
      trees.push({ vendor, modules: found.map((p) => p.name).sort((a, b) => b.length - a.length) });
    } catch (error) {
      if (!(error instanceof PackageDbCorrupt)) throw error;
      notes.push(`Go vendor list unreadable, its modules' files are Unknown: ${error.message}`);
    }
  }
  const ownerByPath = (path: string) => {
    for (const tree of trees) {
      if (!path.startsWith(`${tree.vendor}/`)) continue;
      const rel = path.slice(tree.vendor.length + 1);
      const module = tree.modules.find((m) => rel.startsWith(`${m}/`));
      if (module !== undefined) return `golang:${tree.vendor}:${module}`;
    }
    return undefined;
  };
  return {
    packages,
    owners: new Map(),
    ownerByPath,
    notes,
    present: packages.length > 0 || notes.length > 0,
  };
}
