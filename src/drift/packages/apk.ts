import { decodeText, PackageDbCorrupt } from './errors.ts';
import type { CapturedFiles, EcosystemPackages, InstalledPackage } from './inventory.ts';

export const APK_INSTALLED = '/lib/apk/db/installed';

/**
 * Alpine's `lib/apk/db/installed`: stanzas of one-letter fields, `P:` name, `V:` version, `A:` arch,
 * `o:` origin, `F:` a directory and the `R:` files after it (paths relative to the root).
 */
export function readApk(captured: CapturedFiles): EcosystemPackages {
  const bytes = captured.get(APK_INSTALLED);
  const owners = new Map<string, string>();
  if (bytes === undefined) return { packages: [], owners, notes: [], present: false };
  try {
    const packages: InstalledPackage[] = [];
    let fields = new Map<string, string>();
    let files: string[] = [];
    let dir = '';
    const flush = (line: number) => {
      if (fields.size === 0 && files.length === 0) return;
      const name = fields.get('P');
      const version = fields.get('V');
      if (!name || !version)
        throw new PackageDbCorrupt(APK_INSTALLED, `package ending at line ${line} has no P: or V:`);
      const arch = fields.get('A');
      const origin = fields.get('o');
      const key = `apk:${name}`;
      packages.push({
        key,
        ecosystem: 'apk',
        name,
        version,
        ...(arch ? { arch } : {}),
        ...(origin ? { sourceName: origin } : {}),
      });
      for (const file of files) if (!owners.has(file)) owners.set(file, key);
      fields = new Map();
      files = [];
      dir = '';
    };
    const lines = decodeText(APK_INSTALLED, bytes).split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!;
      if (line === '') {
        flush(n + 1);
        continue;
      }
      if (line[1] !== ':') throw new PackageDbCorrupt(APK_INSTALLED, `line ${n + 1}: not a "X:value" line`);
      const field = line[0]!;
      const value = line.slice(2);
      if (field === 'F') dir = value;
      else if (field === 'R') files.push(`/${dir ? `${dir}/` : ''}${value}`);
      else if (!fields.has(field)) fields.set(field, value);
    }
    flush(lines.length);
    return { packages, owners, notes: [], present: true };
  } catch (error) {
    if (!(error instanceof PackageDbCorrupt)) throw error;
    return {
      packages: [],
      owners: new Map(),
      notes: [`apk database unreadable, its packages' files are Unknown: ${error.message}`],
      present: true,
    };
  }
}
