import picomatch from 'picomatch';

/**
 * SPEC §5 glob semantics over absolute paths: `**` spans any number of segments (zero included), `*` and
 * `?` stay inside one segment, dotfiles always match, and a glob without a leading `/` matches at any depth.
 * Each list of globs compiles to one regular expression, returned as its source (null for no globs), once:
 * `micromatch.isMatch` recompiles on every call, which is ~20× slower over a real image (NOTES.md,
 * Libraries).
 */
export function globsSource(globs: readonly string[]): string | null {
  if (globs.length === 0) return null;
  const sources = globs.map((glob) => {
    const anchored = glob.startsWith('/') ? glob.replace(/^\/+/, '') : `**/${glob}`;
    return picomatch.makeRe(anchored, { dot: true }).source;
  });
  return sources.map((s) => `(?:${s})`).join('|');
}

/**
 * Text that any path a list of globs matches must contain: one literal per glob (the longest run of
 * plain characters inside one segment, the deepest of equal length), or null when some glob has none
 * that is certain. A path containing none of them cannot match, so the classifier skips the regular
 * expression: picomatch's `**` and `*` cost a look-ahead per character, ~2.5 µs a path for the six
 * default facets, and most paths belong to none of the first five (docs/decisions.md, "Seal benchmark,
 * sixth pass").
 *
 * Sound by construction, and property-tested against picomatch's own regular expressions (which found
 * the last two rules):
 * - only globs of plain characters, `/`, `*`, `**` and `?` get a literal (classes, braces, extglobs and
 *   escapes get none);
 * - a literal never spans a wildcard or a `/` (picomatch collapses `//` and drops `./`, and a `**` may
 *   stand in for a slash: `**\/b` matches `b`), and is never `.` or `..`;
 * - a glob with three stars in a row gets none: picomatch stops escaping what follows them
 *   (`**\/****a.` compiles to `[^/]*?a.`, its dot any character).
 */
export function globsLiterals(globs: readonly string[]): string[] | null {
  if (globs.length === 0) return null;
  const literals: string[] = [];
  for (const glob of globs) {
    if (/[[\]{}()!+@\\]|\*\*\*/.test(glob)) return null;
    const pieces = glob.split(/[*?/]+/).filter((piece) => piece !== '.' && piece !== '..');
    const longest = pieces.reduce((a, b) => (b.length >= a.length ? b : a), '');
    if (longest === '') return null;
    literals.push(longest);
  }
  // A literal that holds another is implied by it (`pacman` by `man`): only the shorter is searched.
  return [...new Set(literals)].filter((l, _, all) => !all.some((m) => m !== l && l.includes(m)));
}
