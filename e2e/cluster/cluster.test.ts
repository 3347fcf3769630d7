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
// minutes; .ci/run builds them before the tests). If they cannot be built, beforeAll rejects with the
// reason and every test here fails: this suite never skips.
describe('e2e cluster harness', () => {
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ build: true });
  }, 3_600_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves the API with the admin kubeconfig: a namespace can be created and read back', async () => {
    if (cluster === undefined) throw new Error('cluster not started');
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'zastava-smoke', labels: { smoke: 'yes' } } } });
    const ns = await core.readNamespace({ name: 'zastava-smoke' });
    expect(ns.metadata?.labels?.smoke).toBe('yes');
  });

  it('stops etcd and kube-apiserver and removes its temporary directory', async () => {
    if (cluster === undefined) throw new Error('cluster not started');
    const { pids, dir } = cluster;
    expect(alive(pids.etcd) && alive(pids.apiserver)).toBe(true);
    await cluster.stop();
    expect(alive(pids.etcd)).toBe(false);
    expect(alive(pids.apiserver)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
