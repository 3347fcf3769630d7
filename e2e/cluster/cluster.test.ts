import { existsSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './cluster.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Smoke test of the harness itself. Missing binaries are built first (a cold build takes tens of
// minutes; .ci/run builds them before the tests). If they cannot be built, or the cluster does not
// start, every test here fails with that reason: the start-up error is rethrown by each test rather
// than thrown from beforeAll, which vitest would report as skipped tests. This suite never skips.
describe('e2e cluster harness', () => {
  let started: Promise<Cluster> | undefined;
  const cluster = (): Promise<Cluster> => started ?? Promise.reject(new Error('beforeAll did not run'));

  beforeAll(async () => {
    started = startCluster({ build: true });
    await started.catch(() => undefined);
  }, 3_600_000);

  afterAll(async () => {
    const running = await started?.catch(() => undefined);
    await running?.stop();
  });

  it('serves the API with the admin kubeconfig: a namespace can be created and read back', async () => {
    const { server, kubeconfig } = await cluster();
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'zastava-smoke', labels: { smoke: 'yes' } } } });
    const ns = await core.readNamespace({ name: 'zastava-smoke' });
    expect(ns.metadata?.labels?.smoke).toBe('yes');
  });

  it('stops etcd and kube-apiserver and removes its temporary directory', async () => {
    const running = await cluster();
    const { pids, dir } = running;
    expect(alive(pids.etcd) && alive(pids.apiserver)).toBe(true);
    await running.stop();
    expect(alive(pids.etcd)).toBe(false);
    expect(alive(pids.apiserver)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
