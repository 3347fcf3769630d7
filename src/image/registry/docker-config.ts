import { z } from 'zod';
import { DOCKER_HUB_AUTH_KEY, isDockerHub } from './hosts.ts';

/**
 * The docker `config.json` / containers `auth.json` format: only the fields that find credentials.
 * `auths` keys are written many ways (`host`, `https://host`, `https://index.docker.io/v1/`, and in
 * auth.json `host/namespace` for one repository tree), so they are normalised before matching.
 */
export const DockerConfigFile = z.looseObject({
  auths: z
    .record(
      z.string(),
      z.looseObject({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});
export type DockerConfigFile = z.infer<typeof DockerConfigFile>;

/** What a config file says about one repository; the secret never leaves this value but to a header. */
export type ConfigMatch =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string; readonly key: string }
  | { readonly kind: 'identity-token'; readonly token: string; readonly key: string }
  | { readonly kind: 'helper'; readonly helper: string; readonly serverUrl: string; readonly key: string };

/** `https://Host:5000/v1/` → `{ host: 'host:5000', path: '' }`; `host/team/app` → path `team/app`. */
export function normaliseAuthKey(key: string): { host: string; path: string } {
  const bare = key.replace(/^[a-z]+:\/\//i, '');
  const slash = bare.indexOf('/');
  const host = (slash === -1 ? bare : bare.slice(0, slash)).toLowerCase();
  let path = slash === -1 ? '' : bare.slice(slash + 1).replace(/\/+$/, '');
  if (/^v[12]$/.test(path)) path = ''; // the registry API prefix, not a namespace
  return { host, path };
}

function sameRegistry(a: string, b: string): boolean {
  return a === b || (isDockerHub(a) && isDockerHub(b));
}

/** What a credential helper is asked for: Docker Hub's historical key, else the registry as written. */
export function helperServerUrl(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_AUTH_KEY : registry;
}

/**
 * Docker's precedence: a per-registry `credHelpers` entry, then a matching `auths` entry (the most
 * specific namespace first), then the global `credsStore`. An `auths` entry with no secret (docker
 * writes `{}` next to a `credsStore`) does not match.
 */
export function lookupInConfig(
  config: DockerConfigFile,
  registry: string,
  repository: string,
): ConfigMatch | undefined {
  const host = registry.toLowerCase();
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    const k = normaliseAuthKey(key);
    if (k.path === '' && sameRegistry(k.host, host) && helper !== '') {
      return { kind: 'helper', helper, serverUrl: helperServerUrl(registry), key };
    }
  }

  const candidates = Object.entries(config.auths ?? {})
    .map(([key, entry]) => ({ key, entry, ...normaliseAuthKey(key) }))
    .filter((c) => sameRegistry(c.host, host))
    .filter((c) => c.path === '' || repository === c.path || repository.startsWith(`${c.path}/`))
    .sort((a, b) => b.path.length - a.path.length);
  for (const { key, entry } of candidates) {
    if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken, key };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0)
        return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), key };
    }
    if (entry.username && entry.password !== undefined) {
      return { kind: 'basic', username: entry.username, password: entry.password, key };
    }
  }

  if (config.credsStore) {
    return {
      kind: 'helper',
      helper: config.credsStore,
      serverUrl: helperServerUrl(registry),
      key: 'credsStore',
    };
  }
  return undefined;
}
