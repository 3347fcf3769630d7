// Run: node src/seal/seal.bench.ts [files]   (one seal and one verification of a large manifest; not a test)
import { randomBytes } from 'node:crypto';
import type { FacetFileEntry } from '../model/manifest.ts';
import { generateKeyPair } from './keys.ts';
import { sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { IMAGE, manifestOf, QUOTA } from './test-support.ts';
import { staticTrust } from './trust.ts';
import { verifySeal } from './verify.ts';

const n = Number(process.argv[2] ?? 200_000);
const files: FacetFileEntry[] = Array.from({ length: n }, (_, i) => ({
  path: `/usr/lib/python3/dist-packages/pkg${i % 997}/module_${i}.py`,
  type: 'file',
  contentHash: `sha256:${randomBytes(32).toString('hex')}`,
  size: i,
  mode: '0644',
  modTime: '2026-01-01T00:00:00.000Z',
}));
const manifest = manifestOf(files);
const keys = generateKeyPair();
const timed = async <T>(label: string, f: () => T | Promise<T>): Promise<T> => {
  const t = performance.now();
  const c = process.cpuUsage();
  const result = await f();
  const d = process.cpuUsage(c);
  console.log(
    `${label}: ${(performance.now() - t).toFixed(0)} ms wall, ${((d.user + d.system) / 1000).toFixed(0)} ms CPU`,
  );
  return result;
};
const seal = await timed(`seal ${n} files`, () =>
  sealManifest({ manifest, ...IMAGE, quota: QUOTA, sealedBy: 'bench' }, createSigner(keys.privateKey)),
);
const json = JSON.stringify(seal);
console.log(`seal JSON: ${(json.length / 1e6).toFixed(1)} MB`);
await timed(`verify ${n} files (from parsed JSON)`, () =>
  verifySeal(JSON.parse(json), staticTrust([keys.publicKey])),
);
