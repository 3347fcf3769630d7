import { afterAll, beforeAll } from 'vitest';
import { startCluster, type Cluster } from '../cluster/cluster.ts';
import { ensureTools, type ToolName, type ToolPaths } from '../tools/paths.ts';
import { run, runOk, type RunResult } from './chart.ts';

/** A real kube-apiserver for one test file, with kubectl and helm bound to its kubeconfig. */
export interface ApiServerFixture {
  /** The built tools (valid once the file's first beforeAll has run). */
  readonly tools: ToolPaths;
  readonly cluster: Cluster;
  /** kubectl against the cluster; never rejects for a non-zero exit. */
  readonly kubectl: (args: readonly string[], input?: string) => Promise<RunResult>;
  /** kubectl against the cluster; a non-zero exit rejects with its stderr. Returns stdout. */
  readonly kubectlOk: (args: readonly string[], input?: string) => Promise<string>;
  /** helm against the cluster; a non-zero exit rejects. Returns stdout. */
  readonly helm: (args: readonly string[]) => Promise<string>;
}

/**
 * Registers the hooks that build the missing tools (kubectl and `tools`), start etcd + kube-apiserver
 * before the file's tests and stop them after. Call it at the top of a test file, before the file's own
 * hooks: its beforeAll runs first and its afterAll last (vitest runs after-hooks in reverse), so the
 * file's own set-up and tear-down run against a live API server.
 */
export function useApiServer(tools: readonly ToolName[] = []): ApiServerFixture {
  let paths: ToolPaths | undefined;
  let cluster: Cluster | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useApiServer: ${what} used before its beforeAll ran`);
    return value;
  };
  const kubeconfig = () => ['--kubeconfig', started(cluster, 'the cluster').kubeconfig];
  const fixture: ApiServerFixture = {
    get tools() {
      return started(paths, 'the tools');
    },
    get cluster() {
      return started(cluster, 'the cluster');
    },
    kubectl: (args, input) =>
      run(fixture.tools.bin.kubectl, [...kubeconfig(), ...args], input === undefined ? {} : { input }),
    kubectlOk: async (args, input) => {
      const result = await fixture.kubectl(args, input);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    },
    helm: (args) => runOk(fixture.tools.bin.helm, [...args, ...kubeconfig()]),
  };
  beforeAll(async () => {
    paths = await ensureTools(['kubectl', ...tools], { build: true });
    cluster = await startCluster({ build: true });
  }, 3_600_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return fixture;
}
