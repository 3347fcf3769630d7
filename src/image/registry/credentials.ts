import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCredentialHelper } from './credential-helper.ts';
import { DockerConfigFile, lookupInConfig } from './docker-config.ts';
import { RegistryError } from './errors.ts';
import type { RegistryOptions } from './options.ts';

/**
 * A credential for one registry and repository, with where it came from (for messages: never the
 * secret itself). An identity token is an OAuth2 refresh token (`docker login` to ACR writes one).
 */
export type Credential =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string; readonly source: string }
  | { readonly kind: 'identity-token'; readonly token: string; readonly source: string };

/** The files searched, in order; `required` ones must exist because the user named them. */
export function authFileCandidates(
  options: Pick<RegistryOptions, 'authFile' | 'env'>,
): Array<{ path: string; required: boolean }> {
  const { env } = options;
  const files: Array<{ path: string; required: boolean }> = [];
  if (options.authFile) files.push({ path: options.authFile, required: true });
  if (env.REGISTRY_AUTH_FILE) files.push({ path: env.REGISTRY_AUTH_FILE, required: true });
  const dockerDir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  files.push({ path: join(dockerDir, 'config.json'), required: false });
  return files;
}

/**
 * `--creds` first, then the first file (see `authFileCandidates`) that holds credentials for this
 * registry and repository: a `credHelpers` entry, an `auths` entry, or the global `credsStore`.
 * Undefined means anonymous.
 */
export async function findCredential(
  registry: string,
  repository: string,
  options: Pick<RegistryOptions, 'creds' | 'authFile' | 'env'>,
): Promise<Credential | undefined> {
  if (options.creds) {
    const { username, password, source = '--creds' } = options.creds;
    return { kind: 'basic', username, password, source };
  }
  for (const file of authFileCandidates(options)) {
    const config = await readConfig(file.path, file.required);
    if (!config) continue;
    const match = lookupInConfig(config, registry, repository);
    if (!match) continue;
    const source = `${file.path} (${match.kind === 'helper' ? `docker-credential-${match.helper}` : `auths "${match.key}"`})`;
    if (match.kind === 'basic')
      return { kind: 'basic', username: match.username, password: match.password, source };
    if (match.kind === 'identity-token') return { kind: 'identity-token', token: match.token, source };
    const found = await runCredentialHelper(match.helper, match.serverUrl, options.env);
    if (!found) continue;
    // The helpers' convention: user name `<token>` means the secret is an identity token.
    return found.username === '<token>'
      ? { kind: 'identity-token', token: found.secret, source }
      : { kind: 'basic', username: found.username, password: found.secret, source };
  }
  return undefined;
}

async function readConfig(path: string, required: boolean): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError('REGISTRY_CREDENTIALS_INVALID', `cannot read the auth file ${path}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, and the file holds secrets: say only where.
    throw new RegistryError('REGISTRY_CREDENTIALS_INVALID', `the auth file ${path} is not valid JSON`);
  }
  const parsed = DockerConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistryError(
      'REGISTRY_CREDENTIALS_INVALID',
      `the auth file ${path} is malformed at ${issue?.path.join('.') || '(top level)'}`,
    );
  }
  return parsed.data;
}
