// Writes charts/zastava/crds/*.yaml from the zod schema (src/k8s/crd-schema.ts). `--check` only compares.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/k8s/crd-yaml.ts';

const dir = join(import.meta.dirname, '..', 'charts', 'zastava', 'crds');
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of renderCrdFiles()) {
  const file = join(dir, name);
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current === text) continue;
  stale += 1;
  if (check) {
    console.error(`${file} differs from the generator; run node scripts/gen-crds.ts`);
    continue;
  }
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}
if (check && stale > 0) process.exit(1);
