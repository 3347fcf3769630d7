/**
 * The package-database files drift reads from an image, as the extractor's `capture` option takes them:
 * regular expression sources over absolute paths, final state after all layers. They are captured
 * whether or not they belong to a facet (changelogs usually belong to none).
 */
export const PACKAGE_DB_CAPTURE: { readonly patterns: readonly string[]; readonly maxBytes: number } =
  Object.freeze({
    patterns: Object.freeze([
      '^/var/lib/dpkg/status$',
      '^/var/lib/dpkg/info/[^/]+\\.(?:list|md5sums|conffiles)$',
      '^/usr/share/doc/[^/]+/changelog(?:\\.Debian)?\\.gz$',
      '^/lib/apk/db/installed$',
      '/node_modules/(?:@[^/]+/)?[^/]+/package\\.json$',
      '\\.dist-info/(?:METADATA|RECORD)$',
      '/vendor/modules\\.txt$',
      '^/(?:etc|usr/lib)/os-release$',
    ]),
    /** Per file. The largest real dpkg `status` files are a few MB; a larger file is left out (and noted). */
    maxBytes: 64 * 1024 * 1024,
  });
