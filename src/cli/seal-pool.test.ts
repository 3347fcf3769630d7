import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { LayerPool } from '../extract/layer-runner.ts';
import { sealReadsLayers, startSealPool, takeSealPool } from './seal-pool.ts';

const opened: LayerPool[] = [];
afterEach(async () => {
  for (const pool of opened.splice(0)) await pool.close();
});
const take = async (args: string[]): Promise<LayerPool | undefined> => {
  const pool = await takeSealPool(args);
  if (pool) opened.push(pool);
  return pool;
};

describe('the layer pool of stella seal', () => {
  it('is needed only when layers are read', () => {
    expect(sealReadsLayers(['oci:/tmp/layout:tag', '--output', 'x.json'])).toBe(true);
    expect(sealReadsLayers(['docker-archive:/tmp/a.tar'])).toBe(true);
    expect(sealReadsLayers(['rootfs:/tmp/tree'])).toBe(false);
    expect(sealReadsLayers(['oci:/tmp/layout', '--help'])).toBe(false);
    expect(sealReadsLayers(['-h'])).toBe(false);
    expect(sealReadsLayers([])).toBe(false);
  });

  it('hands the worker started early to the command once, then makes new ones', async () => {
    const worker = startSealPool(['oci:/tmp/layout']);
    expect(worker).toBeDefined();
    const first = await take(['oci:/tmp/layout']);
    const second = await take(['oci:/tmp/layout']);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // The first pool owns the early worker: closing it ends that worker; closing the second does not.
    let exited = false;
    worker!.once('exit', () => (exited = true));
    await second!.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exited).toBe(false);
    const exit = once(worker!, 'exit');
    await first!.close();
    await exit;
  });

  it('starts nothing for a command that reads no layers', async () => {
    expect(startSealPool(['rootfs:/tmp/tree'])).toBeUndefined();
    expect(await take(['rootfs:/tmp/tree'])).toBeUndefined();
  });
});
