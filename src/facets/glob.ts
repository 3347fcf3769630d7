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
