import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../test/fixtures/index.ts';
import { defaultFacets } from '../facets/load.ts';
import { recordingTracer } from '../telemetry/test-tracer.ts';
import { generateKeyPair } from './keys.ts';
import { sealImage } from './seal-image.ts';
import { createSigner } from './signer.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-seal-image-'));
  await writeOciLayout(
    dir,
    { layers: [{ entries: [{ type: 'file', path: '/usr/bin/app', content: 'x', mode: 0o755 }] }] },
    { tag: 'v1' },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sealImage spans (SPEC §13)', () => {
  it('one facet.hash per facet (its Merkle tree) and one facet.seal per seal, with the facet id', async () => {
    const { tracer, spans } = recordingTracer();
    const facets = defaultFacets();
    const { sealSet } = await sealImage(`oci:${dir}:v1`, createSigner(generateKeyPair().privateKey), {
      facets,
      only: ['binary', 'config'],
      sealedBy: 'test',
      tracer,
    });
    expect(sealSet.seals.map((s) => s.manifest.facetId)).toEqual(['binary', 'config']);
    const named = (name: string) =>
      spans
        .filter((s) => s.name === name)
        .map((s) => (s.attributes as Record<string, unknown>)['zastava.facet_id']);
    expect(named('facet.hash')).toEqual(facets.map((f) => f.facetId));
    expect(named('facet.seal')).toEqual(['binary', 'config']);
    expect(spans.every((s) => s.ended && s.error === undefined)).toBe(true);
  });
});
