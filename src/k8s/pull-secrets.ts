import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { DockerConfigFile, lookupInConfig } from '../image/registry/docker-config.ts';
import { K8sError } from './errors.ts';

/**
 * Registry credentials of a pod (SPEC §11, NOTES.md complaint 5): its `imagePullSecrets`, then its
 * ServiceAccount's, all read in the pod's namespace, as the kubelet does. Secrets of type
 * `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`) and the legacy `kubernetes.io/dockercfg`
 * (`.dockercfg`, the bare `auths` map) are read with the registry client's own config-file matching,
 * so a credential is chosen the same way for `docker login` files and for cluster secrets.
 */
export interface PullSecretRef {
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly imagePullSecrets: readonly string[];
}

/** What the registry client takes (`RegistryOptions.creds`). */
export interface PullCredential {
  readonly username: string;
  readonly password: string;
  /** `namespace/secret` it came from, for messages; never the secret itself. */
  readonly source: string;
}

export interface SecretData {
  readonly type?: string | undefined;
  /** Base64 values, as the API returns them. */
  readonly data?: Readonly<Record<string, string>> | undefined;
}

/** The two reads, over CoreV1Api in production; `null` when the object does not exist. */
export interface SecretReader {
  readSecret(namespace: string, name: string): Promise<SecretData | null>;
  readServiceAccountPullSecrets(namespace: string, name: string): Promise<readonly string[] | null>;
}

export interface PullSecretConfig {
  readonly source: string;
  readonly config: DockerConfigFile;
}

/** Parses one secret; a secret that is neither docker format is `PULL_SECRET_INVALID`. */
export function parsePullSecret(secret: SecretData, source: string): DockerConfigFile {
  const data = secret.data ?? {};
  const json = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (json === undefined) {
    throw new K8sError(
      'PULL_SECRET_INVALID',
      `secret ${source} has neither .dockerconfigjson nor .dockercfg`,
      {
        hint: 'create it with kubectl create secret docker-registry',
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(json, 'base64').toString('utf8'));
  } catch {
    // The parser's message could quote the secret: say only which one.
    throw new K8sError('PULL_SECRET_INVALID', `secret ${source} is not valid JSON`);
  }
  const wrapped = data['.dockerconfigjson'] === undefined ? { auths: value } : value;
  const parsed = DockerConfigFile.safeParse(wrapped);
  if (!parsed.success) {
    throw new K8sError('PULL_SECRET_INVALID', `secret ${source} is not a docker config (auths)`);
  }
  return parsed.data;
}

export interface PullSecretResult {
  readonly configs: readonly PullSecretConfig[];
  /** Secrets that are missing or unreadable as docker configs: skipped, as the kubelet skips them. */
  readonly skipped: readonly string[];
}

/** Reads the pod's pull secrets, then its ServiceAccount's, each once, in that order. */
export async function readPullSecrets(reader: SecretReader, ref: PullSecretRef): Promise<PullSecretResult> {
  const fromAccount =
    (await reader.readServiceAccountPullSecrets(ref.namespace, ref.serviceAccountName)) ?? [];
  const names = [...new Set([...ref.imagePullSecrets, ...fromAccount])];
  const configs: PullSecretConfig[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const source = `${ref.namespace}/${name}`;
    const secret = await reader.readSecret(ref.namespace, name);
    if (secret === null) {
      skipped.push(`${source}: not found`);
      continue;
    }
    try {
      configs.push({ source, config: parsePullSecret(secret, source) });
    } catch (error) {
      if (!(error instanceof K8sError)) throw error;
      skipped.push(error.message);
    }
  }
  return { configs, skipped };
}

/**
 * The first secret holding a user name and password for this registry and repository. Credential
 * helpers and identity tokens cannot come from a cluster secret usefully and are passed over.
 */
export function credentialFor(
  configs: readonly PullSecretConfig[],
  registry: string,
  repository: string,
): PullCredential | undefined {
  for (const { source, config } of configs) {
    const match = lookupInConfig({ auths: config.auths }, registry, repository);
    if (match?.kind === 'basic') return { username: match.username, password: match.password, source };
  }
  return undefined;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

function unreadable(what: string, error: unknown): K8sError {
  const status = error instanceof ApiException ? ` (HTTP ${error.code})` : '';
  return new K8sError('PULL_SECRET_UNREADABLE', `cannot read ${what}${status}`, {
    cause: error,
    hint: 'the webhook needs get on secrets and serviceaccounts in admitted namespaces (chart RBAC)',
  });
}

/** The production reader over the API server. */
export function kubernetesSecretReader(kubeConfig: KubeConfig): SecretReader {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async readSecret(namespace, name) {
      try {
        const secret = await api.readNamespacedSecret({ namespace, name });
        return { type: secret.type, data: secret.data };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw unreadable(`secret ${namespace}/${name}`, error);
      }
    },
    async readServiceAccountPullSecrets(namespace, name) {
      try {
        const account = await api.readNamespacedServiceAccount({ namespace, name });
        return (account.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : []));
      } catch (error) {
        if (isNotFound(error)) return null;
        throw unreadable(`service account ${namespace}/${name}`, error);
      }
    },
  };
}

/** Caches reads for a short time: each admission of a tag reference needs them, and they rarely change. */
export function cachedSecretReader(
  reader: SecretReader,
  ttlMs: number,
  now: () => number = Date.now,
): SecretReader {
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit !== undefined && now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: now(), value });
    // A failure is not cached: the next admission asks again.
    value.catch(() => cache.delete(key));
    if (cache.size > 1000) cache.delete(cache.keys().next().value as string);
    return value;
  }
  return {
    readSecret: (namespace, name) =>
      cached(`s\u0000${namespace}\u0000${name}`, () => reader.readSecret(namespace, name)),
    readServiceAccountPullSecrets: (namespace, name) =>
      cached(`a\u0000${namespace}\u0000${name}`, () => reader.readServiceAccountPullSecrets(namespace, name)),
  };
}
