/**
 * A synthetic benchmark image made of this machine's own files (real binaries, libraries, text: real
 * compression ratios), until the realistic corpus (test/fixtures/realistic) is available:
 *   node bench/seal/make-synthetic.ts [OUT_DIR] [--bytes 300000000] [--source /usr]
 * Three gzip layers (about 50/30/20 % of the files, the top layer also deleting and rewriting some),
 * hard links and symlinks as found. Prints the `oci:` reference.
 */
import { createReadStream } from 'node:fs';
import { readlinkSync } from 'node:fs';
import { lstat, opendir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeOciLayout, type FixtureEntry } from '../../test/fixtures/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { bytes: { type: 'string', default: '300000000' }, source: { type: 'string', default: '/usr' } },
});
const out =
  positionals[0] ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zastava', 'bench', 'synthetic');
const wanted = Number(values.bytes);
const source = values.source;
const MAX_FILE = 8 << 20;

interface Candidate {
  path: string;
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
  inode: string;
}
const candidates: Candidate[] = [];

async function walk(dir: string): Promise<void> {
  const names: string[] = [];
  for await (const d of await opendir(dir)) names.push(d.name);
  for (const name of names.sort()) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) await walk(path);
    else if (st.isSymbolicLink() || (st.isFile() && st.size <= MAX_FILE)) {
      candidates.push({
        path,
        kind: st.isFile() ? 'file' : 'symlink',
        size: st.size,
        mode: st.mode & 0o7777,
        mtime: st.mtime,
        inode: `${st.dev}:${st.ino}`,
      });
    }
  }
}

/** FNV-1a: a stable pseudo-random pick per path, so the same machine gives the same image. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface Found {
  entry: FixtureEntry;
  size: number;
}
await walk(source);
// About 15k entries whose contents add up to the wanted bytes: sample by path, then drop the largest.
const pick = candidates.filter((c) => fnv(c.path) % candidates.length < 18_000);
let total = pick.reduce((n, c) => n + c.size, 0);
for (const c of [...pick].sort((x, y) => y.size - x.size)) {
  if (total <= wanted) break;
  pick.splice(pick.indexOf(c), 1);
  total -= c.size;
}
const inodes = new Map<string, string>();
const found: Found[] = pick.map((c): Found => {
  if (c.kind === 'symlink')
    return { entry: { type: 'symlink', path: c.path, target: readlinkSync(c.path) }, size: 0 };
  const first = inodes.get(c.inode);
  if (first !== undefined) return { entry: { type: 'hardlink', path: c.path, target: first }, size: 0 };
  inodes.set(c.inode, c.path);
  return {
    entry: {
      type: 'file',
      path: c.path,
      mode: c.mode,
      mtime: c.mtime,
      content: { size: c.size, chunks: () => createReadStream(c.path) },
    },
    size: c.size,
  };
});
const a = Math.floor(found.length * 0.5);
const b = Math.floor(found.length * 0.8);
const layer = (list: Found[]): FixtureEntry[] => list.map((f) => f.entry);
const base = found.slice(0, a);
// Hard links whose target lands in a later layer would dangle: keep each link in its target's layer or above.
const top = [
  ...layer(found.slice(b)),
  ...base
    .filter((_, i) => i % 97 === 0)
    .map((f): FixtureEntry => ({ type: 'whiteout', path: (f.entry as { path: string }).path })),
];
await rm(out, { recursive: true, force: true });
const started = performance.now();
const [built] = await writeOciLayout(
  out,
  { layers: [{ entries: layer(base) }, { entries: layer(found.slice(a, b)) }, { entries: top }] },
  { tag: 'synthetic' },
);
console.error(
  `synthetic image: ${found.length} entries, ${(total / 1e6).toFixed(0)} MB of file content, stored ${(built!.layers.reduce((n, l) => n + l.size, 0) / 1e6).toFixed(0)} MB in ${built!.layers.length} layers; built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.log(`oci:${out}:synthetic`);
