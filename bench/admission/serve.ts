import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServeOptions {
  readonly root: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly databaseUrl: string;
  readonly schema: string;
  readonly tenant: string;
  readonly dataDir: string;
  /** Server log (stdout and stderr), as a container runtime would take it. */
  readonly logFile: string;
  readonly logLevel: string;
  /** A directory for `--cpu-prof` profiles, written when the server exits. */
  readonly cpuProfDir?: string | undefined;
  /** A directory for `--heap-prof` (sampled allocations) profiles, written when the server exits. */
  readonly heapProfDir?: string | undefined;
  /** More `node` flags for the server (V8 heap or GC tracing flags, for instance). */
  readonly nodeFlags?: readonly string[];
  /** A directory for alloc-profile.ts's profile of every allocation (written on SIGUSR2). */
  readonly allocProfileDir?: string | undefined;
}

export interface Serve {
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, then the exit code (null: killed by a signal). */
  stop(): Promise<number | null>;
}

/** GET over HTTPS, verifying the certificate against the test CA. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `stella serve` as a separate process, over HTTPS, ready (`/readyz` 200, certificate checked). */
export async function startServe(options: ServeOptions): Promise<Serve> {
  const log = openSync(options.logFile, 'a');
  const profile = [
    ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir]),
    ...(options.heapProfDir === undefined ? [] : ['--heap-prof', '--heap-prof-dir', options.heapProfDir]),
    ...(options.nodeFlags ?? []),
    ...(options.allocProfileDir === undefined
      ? []
      : [`--import=${join(options.root, 'bench', 'admission', 'alloc-profile.ts')}`]),
  ];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      join(options.root, 'bin', 'stella.js'),
      'serve',
      '--listen',
      `127.0.0.1:${options.port}`,
      '--tls-cert',
      options.tls.cert,
      '--tls-key',
      options.tls.key,
      '--database-url',
      options.databaseUrl,
      '--database-schema',
      options.schema,
      '--tenant',
      options.tenant,
    ],
    {
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ZASTAVA_DATA_DIR: options.dataDir,
        ZASTAVA_LOG_LEVEL: options.logLevel,
        ...(options.allocProfileDir === undefined
          ? {}
          : { ZASTAVA_ALLOC_PROFILE_DIR: options.allocProfileDir }),
      },
    },
  );
  closeSync(log);
  const url = `https://127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (options.allocProfileDir !== undefined) {
        child.kill('SIGUSR2');
        await sleep(3000);
      }
      child.kill('SIGTERM');
    }
    return exited;
  };
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null)
      throw new Error(`stella serve exited ${child.exitCode}; see ${options.logFile}`);
    const ready = await httpsGet(`${url}/readyz`, options.tls.ca).catch(() => ({ status: 0, text: '' }));
    if (ready.status === 200) return { pid: child.pid!, url, child, stop };
    await sleep(250);
  }
  await stop();
  throw new Error(`stella serve not ready in 60 s; see ${options.logFile}`);
}
