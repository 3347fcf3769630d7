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

  it('hands the pool started early to the command once, then makes new ones', async () => {
    startSealPool(['oci:/tmp/layout']);
    const first = await take(['oci:/tmp/layout']);
    const second = await take(['oci:/tmp/layout']);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('starts nothing for a command that reads no layers', async () => {
    startSealPool(['rootfs:/tmp/tree']);
    expect(await take(['rootfs:/tmp/tree'])).toBeUndefined();
  });
});
