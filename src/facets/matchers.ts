/**
 * A facet list's membership rules as regular-expression sources, one include and one exclude per facet
 * in definition order (null: no globs). Plain data, so a layer worker receives them with its job and
 * classifies without a glob compiler: loading picomatch was ~10 ms of the worker's boot, which is the
 * longest step before a layer's first byte is read (docs/decisions.md, "Seal benchmark, fifth pass").
 */
export type FacetMatchers = ReadonlyArray<{
  readonly include: string | null;
  readonly exclude: string | null;
  /** A path holding none of these cannot match `include` (glob.ts, globsLiterals); null: no such list. */
  readonly includeAnyOf: readonly string[] | null;
}>;

/** Classifies a path: the index of the first facet that includes and does not exclude it, or -1. */
export type Classify = (absolutePath: string) => number;

export function classifierFromMatchers(matchers: FacetMatchers): Classify {
  const compiled = matchers.map((m) => ({
    include: m.include === null ? null : new RegExp(m.include),
    exclude: m.exclude === null ? null : new RegExp(m.exclude),
    anyOf: m.includeAnyOf,
  }));
  return (absolutePath) => {
    const path = relativeForMatch(absolutePath);
    for (let i = 0; i < compiled.length; i++) {
      const { include, exclude, anyOf } = compiled[i]!;
      if (anyOf !== null && !containsAny(path, anyOf)) continue;
      if (include?.test(path) && !exclude?.test(path)) return i;
    }
    return -1;
  };
}

function containsAny(path: string, literals: readonly string[]): boolean {
  for (const literal of literals) if (path.includes(literal)) return true;
  return false;
}

/** Paths are matched without their leading `/`, as the compiled globs expect. */
export function relativeForMatch(absolutePath: string): string {
  return absolutePath.startsWith('/') ? absolutePath.slice(1) : absolutePath;
}
