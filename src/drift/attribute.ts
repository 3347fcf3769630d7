import type { DriftCause, Ecosystem, PackageChange } from '../model/drift.ts';
import type { FacetType } from '../model/facet.ts';
import { entriesBetween, isSecurityUpgrade, readDebianChangelog } from './packages/changelog.ts';
import {
  compareDebianVersions,
  isSecurityStyleRevisionBump,
  parseDebianVersion,
} from './packages/dpkg-version.ts';
import { PackageDbCorrupt } from './packages/errors.ts';
import type { InstalledPackage, PackageInventory } from './packages/inventory.ts';
import { usrMergeAlias } from './packages/read.ts';
import { packagePurl } from './purl.ts';

export type ChangeKind = 'added' | 'removed' | 'modified';

export interface EntryAttribution {
  readonly cause: DriftCause;
  /** The owning package's internal key (see `InstalledPackage.key`). */
  readonly packageKey?: string;
  /** `ecosystem:name`, as DriftEntry.package shows it. */
  readonly package?: string;
  readonly detail?: string;
}

/** How one package changed between the images, independent of any file. */
interface PackageVerdict {
  readonly cause: DriftCause | 'unchanged';
  readonly cves: readonly string[];
  readonly detail?: string;
}

/** Files that a package manager rewrites whenever its packages change; they belong to no package. */
const MANAGER_STATE: readonly [RegExp, Ecosystem][] = [
  [/^\/var\/lib\/dpkg\//, 'deb'],
  [/^\/var\/(?:lib|cache)\/apt\//, 'deb'],
  [/^\/var\/cache\/debconf\//, 'deb'],
  [/^\/etc\/apt\/.*\.(?:list|sources)$/, 'deb'],
  [/^\/(?:lib|var\/lib|var\/cache|etc)\/apk\//, 'apk'],
  [/\/node_modules\/\.package-lock\.json$/, 'npm'],
  [/\/vendor\/modules\.txt$/, 'golang'],
];

/**
 * SPEC §9 cause attribution from the package databases of both images. Package verdicts are computed
 * once per package and cached; changelogs are read only for deb packages whose version changed.
 */
export class Attributor {
  private readonly baseline: PackageInventory;
  private readonly current: PackageInventory;
  private readonly verdicts = new Map<string, PackageVerdict>();
  private readonly rebuilt = new Set<string>();
  private readonly touched = new Set<string>();
  private changedEcosystems: Set<Ecosystem> | undefined;
  readonly notes: string[] = [];

  constructor(baseline: PackageInventory, current: PackageInventory) {
    this.baseline = baseline;
    this.current = current;
  }

  /** The cause of one changed entry of a facet of type `facetType`. */
  attribute(kind: ChangeKind, path: string, facetType: FacetType): EntryAttribution {
    const owners: InstalledPackage[] = [];
    const first = kind === 'removed' ? this.baseline.ownerOf(path) : this.current.ownerOf(path);
    const second = kind === 'removed' ? this.current.ownerOf(path) : this.baseline.ownerOf(path);
    if (first) owners.push(first);
    if (second && second.key !== first?.key) owners.push(second);

    if (owners.length === 0) return this.unowned(path, facetType);

    // A file that moved between packages is explained by whichever of them changed.
    for (const owner of owners) {
      const verdict = this.verdict(owner.key);
      if (verdict.cause !== 'unchanged') {
        this.touched.add(owner.key);
        return withPackage(owner, verdict.cause, verdict.detail);
      }
    }
    const owner = owners[0]!;
    this.touched.add(owner.key);
    const conffile = this.isConffile(owner.key, path);
    if (conffile || path.startsWith('/etc/') || facetType === 'Config') {
      return withPackage(owner, 'ConfigChange', conffile ? 'a conffile of an unchanged package' : undefined);
    }
    this.rebuilt.add(owner.key);
    return withPackage(owner, 'BinaryRebuild', this.rebuildDetail(owner, path));
  }

  private unowned(path: string, facetType: FacetType): EntryAttribution {
    for (const [pattern, ecosystem] of MANAGER_STATE) {
      if (pattern.test(path) && this.ecosystemsWithChanges().has(ecosystem)) {
        return { cause: 'PackageUpdate', detail: `${ecosystem} package-manager state` };
      }
    }
    if (facetType === 'Config' || path.startsWith('/etc/')) return { cause: 'ConfigChange' };
    return { cause: 'Unknown' };
  }

  private isConffile(key: string, path: string): boolean {
    return [this.baseline.packages.get(key), this.current.packages.get(key)].some((p) =>
      p?.conffiles?.has(path),
    );
  }

  /** What the package database says about a changed file of an unchanged package. */
  private rebuildDetail(owner: InstalledPackage, path: string): string {
    const md5 = (inv: PackageInventory) => {
      const sums = inv.packages.get(owner.key)?.md5sums;
      const alias = usrMergeAlias(path);
      return sums?.get(path) ?? (alias === undefined ? undefined : sums?.get(alias));
    };
    const before = md5(this.baseline);
    const after = md5(this.current);
    const version = `${owner.name} ${owner.version ?? '?'}`;
    if (before !== undefined && after !== undefined && before !== after) {
      return `rebuilt under the same version (${version}): the package's recorded checksum changed too`;
    }
    if (before !== undefined && before === after) {
      return `UNEXPLAINED: ${version} is unchanged and its database still records the old checksum; this is what a tampered file looks like`;
    }
    return `UNEXPLAINED: ${version} is unchanged; no package change explains this file`;
  }

  private ecosystemsWithChanges(): Set<Ecosystem> {
    if (this.changedEcosystems === undefined) {
      this.changedEcosystems = new Set();
      for (const key of this.allKeys()) {
        const v = this.verdict(key);
        if (v.cause !== 'unchanged') {
          const pkg = this.current.packages.get(key) ?? this.baseline.packages.get(key);
          if (pkg) this.changedEcosystems.add(pkg.ecosystem);
        }
      }
    }
    return this.changedEcosystems;
  }

  private allKeys(): Set<string> {
    return new Set([...this.baseline.packages.keys(), ...this.current.packages.keys()]);
  }

  private verdict(key: string): PackageVerdict {
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = this.computeVerdict(key);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private computeVerdict(key: string): PackageVerdict {
    const b = this.baseline.packages.get(key);
    const c = this.current.packages.get(key);
    if (b?.version === null || c?.version === null) {
      return { cause: 'Unknown', cves: [], detail: 'its package database entry could not be read' };
    }
    if (b === undefined && c !== undefined) return { cause: 'NewDependency', cves: [] };
    if (b !== undefined && c === undefined) return { cause: 'RemovedDependency', cves: [] };
    if (b === undefined || c === undefined || b.version === c.version)
      return { cause: 'unchanged', cves: [] };
    if (c.ecosystem !== 'deb') return { cause: 'PackageUpdate', cves: [] };
    return this.debUpgrade(c, b.version, c.version);
  }

  /** SPEC §9: changelog entries after the old version, else the revision-suffix rule. */
  private debUpgrade(pkg: InstalledPackage, from: string, to: string): PackageVerdict {
    if (compareDebianVersions(to, from) < 0) return { cause: 'PackageUpdate', cves: [], detail: 'downgrade' };
    const names = [...new Set([pkg.name, pkg.sourceName].filter((n): n is string => !!n))];
    const files = names.map((name) => `/usr/share/doc/${name}/changelog.Debian.gz`);
    // A native package (no Debian revision: apt, ca-certificates) keeps its Debian changelog as
    // changelog.gz; for any other package that name holds the upstream changelog, in another format.
    if (parseDebianVersion(to).revision === '')
      files.push(...names.map((name) => `/usr/share/doc/${name}/changelog.gz`));
    for (const file of files) {
      const bytes = this.current.captured.get(file);
      if (bytes === undefined) continue;
      try {
        const between = entriesBetween(readDebianChangelog(file, bytes), from, to);
        if (between.length === 0) break; // the changelog does not cover the upgrade: use the version rule
        const cves = [...new Set(between.flatMap((e) => e.cves))].sort();
        return { cause: isSecurityUpgrade(between) ? 'SecurityPatch' : 'PackageUpdate', cves };
      } catch (error) {
        if (!(error instanceof PackageDbCorrupt)) throw error;
        this.notes.push(`changelog unreadable, ${pkg.name}'s files are Unknown: ${error.message}`);
        return { cause: 'Unknown', cves: [], detail: `its changelog is unreadable (${file})` };
      }
    }
    return isSecurityStyleRevisionBump(from, to)
      ? { cause: 'SecurityPatch', cves: [], detail: 'no changelog: security-style revision bump' }
      : { cause: 'PackageUpdate', cves: [] };
  }

  /**
   * The changed packages: every package added, removed or at another version, plus the packages whose
   * files changed under an unchanged version (BinaryRebuild) and unreadable ones that own changed files.
   * Call after every entry was attributed. `only` keeps just these package keys (a `--facet` filter).
   */
  packageChanges(only?: ReadonlySet<string>): PackageChange[] {
    const changes: PackageChange[] = [];
    for (const key of this.allKeys()) {
      if (only !== undefined && !only.has(key)) continue;
      const v = this.verdict(key);
      const b = this.baseline.packages.get(key);
      const c = this.current.packages.get(key);
      let cause: DriftCause;
      if (v.cause === 'unchanged') {
        if (!this.rebuilt.has(key)) continue;
        cause = 'BinaryRebuild';
      } else if (v.cause === 'Unknown' && !this.touched.has(key)) {
        continue;
      } else {
        cause = v.cause;
      }
      const pkg = (c ?? b)!;
      const version = c?.version ?? b?.version;
      const distro = c ? this.current.distro : this.baseline.distro;
      changes.push({
        name: pkg.name,
        ecosystem: pkg.ecosystem,
        from: b?.version ?? null,
        to: c?.version ?? null,
        cause,
        cves: [...v.cves],
        ...(pkg.location !== undefined ? { location: pkg.location } : {}),
        ...(version ? { purl: packagePurl({ ...pkg, version }, distro) } : {}),
      });
    }
    return changes.sort(
      (x, y) =>
        x.ecosystem.localeCompare(y.ecosystem) ||
        x.name.localeCompare(y.name) ||
        (x.location ?? '').localeCompare(y.location ?? ''),
    );
  }
}

function withPackage(
  owner: InstalledPackage,
  cause: DriftCause,
  detail: string | undefined,
): EntryAttribution {
  return {
    cause,
    packageKey: owner.key,
    package: `${owner.ecosystem}:${owner.name}`,
    ...(detail !== undefined ? { detail } : {}),
  };
}
