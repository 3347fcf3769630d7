import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServeChild, type ServeChild } from '../../test/integration/serve-child.ts';

export { httpsGet, httpsPost } from '../../test/integration/serve-child.ts';

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

export type Serve = Pick<ServeChild, 'pid' | 'url' | 'child' | 'stop'>;

/** `stella serve` as a separate process, over HTTPS, ready (`/readyz` 200, certificate checked). */
export async function startServe(options: ServeOptions): Promise<Serve> {
  const started = await startServeChild({
    port: options.port,
    tls: options.tls,
    databaseUrl: options.databaseUrl,
    schema: options.schema,
    tenant: options.tenant,
    logFile: options.logFile,
    nodeFlags: [
      ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir]),
      ...(options.heapProfDir === undefined ? [] : ['--heap-prof', '--heap-prof-dir', options.heapProfDir]),
      ...(options.nodeFlags ?? []),
      ...(options.allocProfileDir === undefined
        ? []
        : [`--import=${join(options.root, 'bench', 'admission', 'alloc-profile.ts')}`]),
    ],
    env: {
      ZASTAVA_DATA_DIR: options.dataDir,
      ZASTAVA_LOG_LEVEL: options.logLevel,
      ...(options.allocProfileDir === undefined
        ? {}
        : { ZASTAVA_ALLOC_PROFILE_DIR: options.allocProfileDir }),
    },
  });
  const { child } = started;
  return {
    pid: started.pid,
    url: started.url,
    child,
    /** SIGTERM (after SIGUSR2 and 3 s for the allocation profile), then the exit code (null: a signal). */
    async stop() {
      if (options.allocProfileDir !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGUSR2');
        await sleep(3000);
      }
      return started.stop();
    },
  };
}
