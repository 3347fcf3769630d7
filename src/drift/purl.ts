import type { Ecosystem } from '../model/drift.ts';

/**
 * Package URLs in canonical form (package-url/purl-spec): each component percent-encoded except
 * letters, digits, `.-_~` and `:` (so `1:2.4-2+b1` is written `1:2.4-2%2Bb1`, `sha256:…` keeps its colon),
 * qualifiers sorted by key, `/` inside a qualifier value encoded.
 */
export function encodePurlComponent(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9.\-_~:]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface PurlParts {
  readonly type: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly version?: string | undefined;
  readonly qualifiers?: Readonly<Record<string, string | undefined>>;
}

export function buildPurl(parts: PurlParts): string {
  let purl = `pkg:${parts.type}/`;
  if (parts.namespace)
    purl += `${parts.namespace.split('/').filter(Boolean).map(encodePurlComponent).join('/')}/`;
  purl += encodePurlComponent(parts.name);
  if (parts.version) purl += `@${encodePurlComponent(parts.version)}`;
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (qualifiers.length > 0)
    purl += `?${qualifiers.map(([k, v]) => `${k}=${encodePurlComponent(v)}`).join('&')}`;
  return purl;
}

/** The purl of an installed package (deb, apk, npm, pypi, golang). */
export function packagePurl(
  pkg: { ecosystem: Ecosystem; name: string; version: string; arch?: string | undefined },
  distro: { id?: string | undefined; codename?: string | undefined } = {},
): string {
  switch (pkg.ecosystem) {
    case 'deb':
      return buildPurl({
        type: 'deb',
        namespace: distro.id ?? 'debian',
        name: pkg.name.toLowerCase(),
        version: pkg.version,
        qualifiers: { arch: pkg.arch, distro: distro.codename },
      });
    case 'apk':
      return buildPurl({
        type: 'apk',
        namespace: distro.id ?? 'alpine',
        name: pkg.name.toLowerCase(),
        version: pkg.version,
        qualifiers: { arch: pkg.arch },
      });
    case 'npm': {
      const scoped = pkg.name.startsWith('@') && pkg.name.includes('/');
      const [namespace, name] = scoped
        ? [pkg.name.slice(0, pkg.name.indexOf('/')), pkg.name.slice(pkg.name.indexOf('/') + 1)]
        : [undefined, pkg.name];
      return buildPurl({
        type: 'npm',
        namespace: namespace?.toLowerCase(),
        name: name.toLowerCase(),
        version: pkg.version,
      });
    }
    case 'pypi':
      return buildPurl({
        type: 'pypi',
        name: pkg.name.toLowerCase().replace(/[-_.]+/g, '-'),
        version: pkg.version,
      });
    case 'golang': {
      const slash = pkg.name.lastIndexOf('/');
      return buildPurl({
        type: 'golang',
        namespace: slash > 0 ? pkg.name.slice(0, slash) : undefined,
        name: pkg.name.slice(slash + 1),
        version: pkg.version,
      });
    }
  }
}

/**
 * `pkg:oci/NAME@DIGEST` for an image (purl-spec `oci` type): NAME is the last segment of the repository,
 * lower-cased; `repository_url` is the registry and repository when the reference names one.
 */
export function ociPurl(imageRef: string, imageDigest: string, extra: { arch?: string } = {}): string {
  const { name, repositoryUrl, tag } = ociNameOf(imageRef);
  return buildPurl({
    type: 'oci',
    name,
    version: imageDigest,
    qualifiers: { arch: extra.arch, repository_url: repositoryUrl, tag },
  });
}

function ociNameOf(imageRef: string): { name: string; repositoryUrl?: string; tag?: string } {
  const transport = /^(oci|oci-archive|docker-archive|rootfs):(.*)$/.exec(imageRef);
  if (transport) {
    // A local layout: the directory's (or archive's) base name stands for the repository.
    const path = transport[2]!
      .replace(/@sha256:[0-9a-f]+$/, '')
      .replace(/:[^/:]*$/, (m) => (transport[1] === 'rootfs' ? m : ''));
    const base = path.replace(/\/+$/, '').split('/').pop() ?? 'image';
    return { name: (base.replace(/\.(tar|tgz|tar\.gz)$/, '') || 'image').toLowerCase() };
  }
  const ref = imageRef.replace(/^docker:\/\//, '').replace(/@sha256:[0-9a-f]+$/, '');
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : undefined;
  const name = repository.split('/').pop()!.toLowerCase();
  return { name, repositoryUrl: repository.includes('/') ? repository : undefined, ...(tag ? { tag } : {}) };
}
