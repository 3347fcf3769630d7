import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pseudoRandomContent, writeOciLayout, type FixtureEntry } from '../../test/fixtures/index.ts';

/**
 * A deterministic benchmark image: three gzip layers, about `megabytes` MB stored, thousands of small
 * text files (package-manager-like trees) plus a few large incompressible files (binaries), so that
 * both per-file costs and per-byte costs show. Built once per size, then reused from `dir`.
 */
export async function ensureBenchImage(
  dir: string,
  megabytes: number,
): Promise<{ layout: string; tag: string }> {
  const layout = join(dir, `registry-bench-${megabytes}mb`);
  const tag = 'bench';
  const done = await access(join(layout, 'index.json')).then(
    () => true,
    () => false,
  );
  if (done) return { layout, tag };

  const textFile = (i: number, prefix: string): FixtureEntry => ({
    type: 'file',
    path: `${prefix}/pkg-${Math.floor(i / 20)}/file-${i}.js`,
    content: `// module ${i}\n${'export const value = "'.repeat(1)}${'x'.repeat(200 + (i % 800))}";\n`,
  });
  const big = (name: string, mb: number, seed: number): FixtureEntry => ({
    type: 'file',
    path: `/usr/lib/${name}`,
    content: pseudoRandomContent(Math.round(mb * (1 << 20)), seed),
  });
  const share = megabytes / 3;
  const layers = [0, 1, 2].map((n) => ({
    compression: 'gzip' as const,
    entries: [
      ...Array.from({ length: 3000 }, (_, i) => textFile(i, `/usr/lib/node_modules/layer${n}`)),
      big(`libbig${n}-a.so`, share * 0.6, n * 2 + 1),
      big(`libbig${n}-b.so`, share * 0.35, n * 2 + 2),
    ],
  }));
  await writeOciLayout(layout, { layers }, { tag });
  return { layout, tag };
}
