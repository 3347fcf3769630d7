import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';

/** Debian's `docker-registry` package: the CNCF distribution registry 2.8. */
export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export type RegistryAuth =
  | { readonly kind: 'htpasswd'; readonly users: Readonly<Record<string, string>> }
  | {
      readonly kind: 'token';
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      /** PEM bundle the registry trusts for token signatures. */
      readonly rootCertBundle: string;
    };

export interface RegistryProcessOptions {
  /** A fresh directory for storage, config and log. */
  readonly dir: string;
  readonly auth?: RegistryAuth;
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Reuse the storage of another registry (fill it anonymously, then serve it with auth). */
  readonly storageDir?: string;
}

export interface RegistryProcess {
  /** `127.0.0.1:PORT`, as a reference names it. */
  readonly host: string;
  readonly url: string;
  readonly storageDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the registry on a free loopback port and waits until it answers `/v2/`. */
export async function startRegistry(options: RegistryProcessOptions): Promise<RegistryProcess> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  const storageDir = options.storageDir ?? join(dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: zastava-test-secret',
  ];
  if (options.tls)
    lines.push('  tls:', `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`);
  const auth = options.auth;
  if (auth?.kind === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    const entries = Object.entries(auth.users).map(([user, pass]) => `${user}:${bcrypt.hashSync(pass, 5)}`);
    await writeFile(file, entries.join('\n') + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: zastava-test', `    path: ${file}`);
  } else if (auth?.kind === 'token') {
    const bundle = join(dir, 'token-roots.pem');
    await writeFile(bundle, auth.rootCertBundle);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${auth.realm}`,
      `    service: ${auth.service}`,
      `    issuer: ${auth.issuer}`,
      `    rootcertbundle: ${bundle}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, lines.join('\n') + '\n');

  const logFile = join(dir, 'registry.log');
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', configFile], {
    stdio: ['ignore', logFd, logFd],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => (exited = true));

  const scheme = options.tls ? 'https' : 'http';
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`docker-registry exited at start: ${await readFile(logFile, 'utf8')}`);
    if (await listening(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `docker-registry did not listen on ${host} within 15 s: ${await readFile(logFile, 'utf8')}`,
      );
    }
    await sleep(50);
  }
  return {
    host,
    url: `${scheme}://${host}`,
    storageDir,
    logFile,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
