import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildLayerTar } from '../../test/fixtures/index.ts';
import { DEFAULT_FACET_MATCHERS } from '../facets/defaults-json.ts';
import type { LayerRecord } from './layer-records.ts';
import { readLayer } from './layer-reader.ts';
import { DEFAULT_LIMITS } from './limits.ts';

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* inChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    yield bytes.subarray(i, i + size);
    await Promise.resolve();
  }
}

describe('readLayer', () => {
  it('hands records over while the layer is read, not only in full batches at its end', async () => {
    // 1,200 small files spread over ~6 MiB of tar, so the decompressor delivers several chunks.
    const entries = Array.from({ length: 1200 }, (_, i) => ({
      type: 'file' as const,
      path: `/usr/bin/tool-${i}`,
      content: Buffer.alloc(5000, i % 251),
    }));
    const tar = await buildLayerTar(entries);
    const blob = gzipSync(tar, { level: 1 });
    const batches: LayerRecord[][] = [];
    await readLayer(
      {
        layerIndex: 0,
        layer: {
          digest: sha(blob),
          diffId: sha(tar),
          size: blob.byteLength,
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        },
        matchers: DEFAULT_FACET_MATCHERS,
        capture: undefined,
        limits: DEFAULT_LIMITS,
      },
      inChunks(blob, 64 << 10),
      (records) => batches.push(records),
    );
    const files = batches.flat().filter((r) => r.op === 'file');
    expect(files).toHaveLength(1200);
    // Under the 4,096-record batch, yet split: a batch went out at the end of each chunk that had
    // gathered enough records.
    expect(batches.length).toBeGreaterThan(2);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThan(1200);
  });
});
