import type { Ecosystem } from '../../model/drift.ts';

/** Package contents of an image: the captured database files, final state after all layers. */
export type CapturedFiles = ReadonlyMap<string, Uint8Array>;

/** One installed package, as its database describes it. */
export interface InstalledPackage {
  /** Unique within an image and stable across images: how baseline and current are matched. */
  readonly key: string;
  readonly ecosystem: Ecosystem;
  /** As the database names it: the dpkg binary package, the npm name, the Python distribution name. */
  readonly name: string;
  /** `null` when the package's database entry could not be read: its files are then `Unknown`. */
  readonly version: string | null;
  readonly arch?: string;
  /** Where it is installed, for ecosystems with several trees per image (npm, Python, Go). */
  readonly location?: string;
  /** dpkg: the source package, whose doc directory may hold the changelog. */
  readonly sourceName?: string;
  /** dpkg: conffiles (absolute paths). */
  readonly conffiles?: ReadonlySet<string>;
  /** dpkg: path → md5 from `info/*.md5sums`: shows whether the package database itself changed. */
  readonly md5sums?: ReadonlyMap<string, string>;
}

/** Everything attribution needs to know about one image's packages. */
export interface PackageInventory {
  readonly packages: ReadonlyMap<string, InstalledPackage>;
  /** The package that installed `path`, if any database says so. */
  ownerOf(path: string): InstalledPackage | undefined;
  /** The files as captured, for lazily read data (changelogs). */
  readonly captured: CapturedFiles;
  /** The distribution (`/etc/os-release` ID and VERSION_CODENAME), for package URLs. */
  readonly distro: { readonly id?: string; readonly codename?: string };
  /** Databases found in the image (whether readable or not). */
  readonly ecosystems: ReadonlySet<Ecosystem>;
  /** What could not be read, one line each, naming the file. */
  readonly notes: readonly string[];
}

/** What one ecosystem reader returns. */
export interface EcosystemPackages {
  readonly packages: InstalledPackage[];
  /** Exact path → package key. */
  readonly owners: Map<string, string>;
  /**
   * Owner by path structure, for ecosystems whose ownership is a directory (npm, Go vendor trees):
   * a key of a package in `packages`, or undefined.
   */
  readonly ownerByPath?: (path: string) => string | undefined;
  readonly notes: string[];
  readonly present: boolean;
}
