import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../tools/errors.ts';
import { ensureTools } from '../tools/paths.ts';

const START_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'start.sh');

export interface ClusterOptions {
  /** Build missing binaries first (default true; a cold build takes tens of minutes on 2 cores). */
  build?: boolean;
  /** State directory (must be empty or absent; kept after stop). Default: a temp dir, removed on stop. */
  dir?: string;
  /** Extra kube-apiserver flags, appended after the defaults (a later flag wins). */
  apiserverFlags?: string[];
  /** How long to wait for /readyz once the binaries exist (default 120 s). */
  startTimeoutMs?: number;
  /** Receives start.sh's progress lines (default: process.stderr). */
  log?: (line: string) => void;
}

export interface Cluster {
  /** Path of the admin kubeconfig (client certificate in `system:masters`, CA embedded). */
  kubeconfig: string;
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** Path of the cluster CA certificate (PEM) that signed the API server's serving certificate. */
  caCert: string;
  /** The state directory: pki/, etcd-data/, etcd.log, kube-apiserver.log, cluster.env. */
  dir: string;
  pids: { etcd: number; apiserver: number };
  /** Stops kube-apiserver then etcd and waits for both; idempotent. */
  stop(): Promise<void>;
}

/** Parses the `KEY=VALUE` lines start.sh prints (`printf %q`: backslash escapes only). */
function unquote(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/**
 * Starts etcd and kube-apiserver through `start.sh --foreground`, which stops them when its standard
 * input closes: if this Node process dies, the control plane goes with it. The script runs in its own
 * process group, which `stop()` (and, as a last resort, this process's `exit`) signals.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await ensureTools(['etcd', 'kube-apiserver', 'kubectl'], { build: opts.build ?? true });

  const args = [START_SCRIPT, '--foreground', ...(opts.dir === undefined ? [] : ['--dir', opts.dir])];
  if (opts.apiserverFlags !== undefined && opts.apiserverFlags.length > 0)
    args.push('--', ...opts.apiserverFlags);
  const child = spawn('bash', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new HarnessError('CLUSTER_START_FAILED', `cannot run ${START_SCRIPT}`);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGTERM');
  process.once('exit', onExit);

  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    log(line);
  });
  const vars = new Map<string, string>();
  const ready = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'READY') resolve();
      const eq = line.indexOf('=');
      if (eq > 0) vars.set(line.slice(0, eq), unquote(line.slice(eq + 1)));
    });
  });

  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.stdin.end(); // once ready, start.sh stops both processes at end of input
      if (outcome !== 'ready') killGroup('SIGTERM'); // while starting, its TERM trap does
      const forced = setTimeout(() => killGroup('SIGKILL'), 30_000);
      await exited;
      clearTimeout(forced);
      process.removeListener('exit', onExit);
    })());

  if (outcome !== 'ready') {
    await stop();
    const tail = stderr.slice(-40).join('\n');
    if (outcome === 'timeout') {
      throw new HarnessError(
        'CLUSTER_START_TIMEOUT',
        `the cluster was not ready within ${timeoutMs} ms:\n${tail}`,
      );
    }
    throw new HarnessError('CLUSTER_START_FAILED', `e2e/cluster/start.sh failed:\n${tail}`);
  }

  const get = (key: string): string => {
    const value = vars.get(key);
    if (value === undefined) throw new HarnessError('CLUSTER_START_FAILED', `start.sh printed no ${key}`);
    return value;
  };
  return {
    kubeconfig: get('KUBECONFIG'),
    server: get('ZASTAVA_CLUSTER_SERVER'),
    caCert: get('ZASTAVA_CLUSTER_CA'),
    dir: get('ZASTAVA_CLUSTER_DIR'),
    pids: { etcd: Number(get('ETCD_PID')), apiserver: Number(get('APISERVER_PID')) },
    stop,
  };
}
