import type { AdmissionPorts, PullContext } from '../admission/ports.ts';
import type { PolicyCache } from './policy-cache.ts';
import type { PolicyDefaults } from './policy-resolve.ts';
import { credentialFor, readPullSecrets, type SecretReader } from './pull-secrets.ts';

/** The decision's policy port over the informer-fed cache (SPEC §11). */
export function policyPort(cache: PolicyCache, defaults: PolicyDefaults): AdmissionPorts['resolvePolicy'] {
  return ({ namespace, repository }) => cache.resolve({ namespace, repository }, defaults);
}

export interface PullCredentialsOptions {
  /** Told about skipped secrets (missing, not docker configs), once per lookup. */
  readonly onSkipped?: (skipped: readonly string[], pull: PullContext) => void;
}

/**
 * The registry ports' `credentials`: the pod's pull secrets, then its ServiceAccount's, matched to the
 * image's registry and repository; undefined means anonymous (a public image needs none).
 */
export function pullCredentials(reader: SecretReader, options: PullCredentialsOptions = {}) {
  return async (pull: PullContext, registry: string, repository: string) => {
    const { configs, skipped } = await readPullSecrets(reader, pull);
    if (skipped.length > 0) options.onSkipped?.(skipped, pull);
    const found = credentialFor(configs, registry, repository);
    // The secret's name (namespace/name) labels the credentials in registry errors, never its contents.
    return found === undefined
      ? undefined
      : { username: found.username, password: found.password, source: `pull secret ${found.source}` };
  };
}
