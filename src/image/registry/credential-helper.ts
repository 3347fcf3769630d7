import { spawn } from 'node:child_process';
import { RegistryError } from './errors.ts';

/** docker-credential-helpers protocol: `docker-credential-NAME get`, server URL on stdin, JSON out. */
export interface HelperCredential {
  readonly username: string;
  readonly secret: string;
}

const HELPER_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 1 << 20;

/**
 * Runs the helper and returns its credential, or undefined when it has none for this server. The
 * helper's output holds the secret: it is never put in an error message, only its exit status is.
 */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<HelperCredential | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new RegistryError(
      'REGISTRY_CREDENTIAL_HELPER_FAILED',
      `credential helper name "${helper}" is not valid`,
    );
  }
  const program = `docker-credential-${helper}`;
  const { code, stdout, spawnError } = await run(program, serverUrl, env);
  if (spawnError) {
    throw new RegistryError(
      'REGISTRY_CREDENTIAL_HELPER_FAILED',
      `cannot run ${program}: ${spawnError.message}`,
      {
        hint: `install ${program} on PATH, or remove it from the docker config (credHelpers / credsStore)`,
      },
    );
  }
  if (code !== 0) {
    // The protocol's "not found" is a message on stdout and a non-zero exit.
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new RegistryError(
      'REGISTRY_CREDENTIAL_HELPER_FAILED',
      `${program} get for ${serverUrl} exited with status ${code ?? 'signal'}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new RegistryError(
      'REGISTRY_CREDENTIAL_HELPER_FAILED',
      `${program} get for ${serverUrl} did not print JSON`,
    );
  }
  const { Username, Secret } = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof Username !== 'string' || typeof Secret !== 'string') {
    throw new RegistryError(
      'REGISTRY_CREDENTIAL_HELPER_FAILED',
      `${program} get for ${serverUrl} printed JSON without string Username and Secret`,
    );
  }
  return Secret === '' ? undefined : { username: Username, secret: Secret };
}

function run(
  program: string,
  input: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ code: number | null; stdout: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(program, ['get'], {
      env: env,
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: HELPER_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) chunks.push(chunk);
      else child.kill();
    });
    child.on('error', (spawnError) => resolve({ code: null, stdout: '', spawnError }));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.on('error', () => {}); // a helper that exits before reading stdin
    child.stdin.end(input);
  });
}
