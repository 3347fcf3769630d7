import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './registry/registry-process.ts';

// `stella serve` as a child process over HTTPS on loopback, started the same way by the drain test, the
// webhook e2e suites and the admission benches: flags from options, readiness polled, SIGTERM to stop.

const STELLA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'stella.js');
const TAIL_CHARS = 3000;

export interface ServeChildOptions {
  /** A free loopback port unless given. */
  readonly port?: number;
  /** `--tls-cert`, `--tls-key`, and the CA that readiness checks the certificate against. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly kubeconfig?: string;
  readonly databaseUrl?: string;
  readonly schema?: string;
  readonly tenant?: string;
  /** More `stella serve` flags, after the ones above. */
  readonly flags?: readonly string[];
  /** `node` flags, before the script (`--cpu-prof`, `--trace-gc`, `--import=…`). */
  readonly nodeFlags?: readonly string[];
  /**
   * The child's environment beyond PATH and HOME (which are always passed): nothing else of this
   * process's environment reaches it unless given here (`{ ...process.env, … }` for all of it).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * stdout and stderr appended to this file (as a container runtime takes them; the parent does no work
   * per line); without it, both are kept in memory. `log()` reads either.
   */
  readonly logFile?: string;
  /** Ready when GET `path` answers 200 (default `/readyz`), or when the output has `line`. */
  readonly ready?: { readonly path: string } | { readonly line: string | RegExp };
  /** How long to wait for readiness: 60 s unless given. */
  readonly readyTimeoutMs?: number;
}

export interface ServeChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** Everything it printed since it started (stdout and stderr). */
  log(): string;
  /** Sends `signal` (SIGTERM unless given) unless it has exited; resolves with its exit code (null: a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** GET over HTTPS, verifying the certificate against `ca`. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; text: string }> {
  return httpsRequest(url, ca);
}

/** POST of a JSON body over HTTPS (an AdmissionReview to `/validate`), verifying against `ca`. */
export function httpsPost(url: string, body: string, ca: string): Promise<{ status: number; text: string }> {
  return httpsRequest(url, ca, body);
}

function httpsRequest(url: string, ca: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const options =
      body === undefined
        ? { ca, agent: false }
        : { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } };
    const req = request(url, options, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The `stella serve` arguments for `options`, in a fixed order. */
export function serveArgs(options: ServeChildOptions, port: number): string[] {
  const optional = (flag: string, value: string | undefined) => (value === undefined ? [] : [flag, value]);
  return [
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--tls-cert',
    options.tls.cert,
    '--tls-key',
    options.tls.key,
    ...optional('--kubeconfig', options.kubeconfig),
    ...optional('--database-url', options.databaseUrl),
    ...optional('--database-schema', options.schema),
    ...optional('--tenant', options.tenant),
    ...(options.flags ?? []),
  ];
}

/**
 * Starts `stella serve` and waits until it is ready. If it exits first, or is not ready in time, the
 * error says what was awaited and ends with the tail of its output; a child not ready in time is stopped.
 */
export async function startServeChild(options: ServeChildOptions): Promise<ServeChild> {
  const port = options.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const output = captureOutput(options.logFile);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), STELLA, ...serveArgs(options, port)], {
    stdio: ['ignore', output.stdio, output.stdio],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
  });
  output.attach(child);
  // 'close' comes after the exit and after the pipes are drained, so log() is whole once stop() resolves.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const serve: ServeChild = {
    child,
    pid: child.pid ?? -1,
    url,
    log: output.read,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    },
  };

  const ready = options.ready ?? { path: '/readyz' };
  const awaited =
    'path' in ready ? `GET ${url}${ready.path} answering 200` : `${String(ready.line)} in its output`;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      throw new Error(
        `stella serve exited (${String(child.exitCode ?? child.signalCode)}) before it was ready ` +
          `(waited for ${awaited})${tail(output.read(), options.logFile)}`,
      );
    }
    if ('path' in ready) {
      const reply = await httpsGet(`${url}${ready.path}`, options.tls.ca).catch((error: unknown) => {
        last = error instanceof Error ? error.message : String(error);
        return undefined;
      });
      if (reply?.status === 200) return serve;
      if (reply !== undefined) last = `HTTP ${reply.status} ${reply.text.slice(0, 300)}`;
    } else {
      const text = output.read();
      if (typeof ready.line === 'string' ? text.includes(ready.line) : ready.line.test(text)) return serve;
    }
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  // SIGTERM, so its buffered log lines are flushed; SIGKILL if it does not stop within 10 s.
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await serve.stop();
  clearTimeout(kill);
  throw new Error(
    `stella serve not ready within ${timeoutMs / 1000} s (waited for ${awaited}` +
      `${last === '' ? '' : `; last: ${last}`})${tail(output.read(), options.logFile)}`,
  );
}

function tail(text: string, logFile: string | undefined): string {
  const where = logFile === undefined ? '' : ` (${logFile})`;
  return `; its output${where} ends:\n${text.slice(-TAIL_CHARS)}`;
}

/** The child's stdout and stderr: a file it appends to, or pipes read into memory. */
function captureOutput(logFile: string | undefined): {
  readonly stdio: 'pipe' | number;
  readonly attach: (child: ChildProcess) => void;
  readonly read: () => string;
} {
  if (logFile === undefined) {
    let text = '';
    return {
      stdio: 'pipe',
      attach(child) {
        child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
        child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
      },
      read: () => text,
    };
  }
  const fd = openSync(logFile, 'a');
  // The file may hold an earlier server's output (a bench starts a fresh server into the same log).
  const from = statSync(logFile).size;
  return {
    stdio: fd,
    attach: () => closeSync(fd),
    read: () => readFileSync(logFile).subarray(from).toString(),
  };
}
