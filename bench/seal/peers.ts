/**
 * Issue 2's peers, side by side in one run on one image, each as its own process, interleaved:
 *   node bench/seal/peers.ts oci:LAYOUT:TAG [--runs 5] [--skip-missing] [--aide-workers N] [--only A,B]
 *
 *   floor                  bench/seal/floor.mjs: decompress and SHA-256 every layer, nothing else
 *   stella seal            `stella seal oci:…` with the default facets (what a user runs)
 *   stella seal --all      the same with one facet holding every path: every file's content hashed
 *   syft                   syft's file-digest cataloguing of the same image (oci-dir: a one-image copy
 *                          of the layout, blobs unchanged): all files, sha256, no package catalogers
 *   crane export | sha256  `crane export` from Debian's docker-registry on loopback (the image pushed
 *                          with skopeo, digests kept), piped into a per-file SHA-256 (python3 tarfile
 *                          and hashlib, streaming)
 *   stella rootfs --all    `stella seal rootfs:` of the image unpacked by `umoci unpack`, every file hashed
 *   aide --init            Debian's AIDE computing sha256 for every file of the same tree (its default
 *                          single worker; --aide-workers N gives it N)
 *
 * Tools: SYFT_BIN and CRANE_BIN from the environment or e2e/tools/paths.sh (built by
 * e2e/tools/build-tools.sh), aide, umoci, skopeo, docker-registry and python3 from PATH. A missing tool
 * is an error naming it and how to get it; --skip-missing runs the others. Prints medians, ratios to the
 * floor, the peer ratios, and the load average.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { startRegistry, type RegistryProcess } from '../../test/integration/registry/registry-process.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import {
  formatLoad,
  interleave,
  median,
  stellaSeal,
  table,
  wallsLine,
  type Contender,
  type Sample,
} from './measure.ts';

const run = promisify(execFile);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    'skip-missing': { type: 'boolean' },
    'aide-workers': { type: 'string' },
    only: { type: 'string' },
  },
});
const ref = positionals[0];
const usage =
  'usage: node bench/seal/peers.ts oci:LAYOUT:TAG [--runs 5] [--skip-missing] [--aide-workers N] [--only A,B]';
if (!ref?.startsWith('oci:')) throw new Error(usage);
const [layout, tag = 'latest'] = ref.slice(4).split(':') as [string, string | undefined];
const root = fileURLToPath(new URL('../../', import.meta.url));

// ---- tools ---------------------------------------------------------------------------------------------

function e2eTool(name: 'SYFT_BIN' | 'CRANE_BIN'): string {
  if (process.env[name]) return process.env[name];
  return execFileSync('bash', ['-c', `. e2e/tools/paths.sh && printf %s "$${name}"`], {
    cwd: root,
    encoding: 'utf8',
  });
}
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
interface Tool {
  readonly path: string | undefined;
  readonly how: string;
}
const tools = {
  syft: { path: e2eTool('SYFT_BIN'), how: 'bash e2e/tools/build-tools.sh syft' },
  crane: { path: e2eTool('CRANE_BIN'), how: 'bash e2e/tools/build-tools.sh crane' },
  aide: { path: onPath('aide'), how: 'apt-get install aide' },
  umoci: { path: onPath('umoci'), how: 'apt-get install umoci' },
  skopeo: { path: onPath('skopeo'), how: 'apt-get install skopeo' },
  registry: { path: onPath('docker-registry'), how: 'apt-get install docker-registry' },
  python3: { path: onPath('python3'), how: 'apt-get install python3' },
} satisfies Record<string, Tool>;
const present = (t: Tool): boolean => t.path !== undefined && t.path !== '' && existsSync(t.path);

/** Which tools each peer needs. */
const needs: Record<string, Array<keyof typeof tools>> = {
  syft: ['syft', 'skopeo'],
  'crane export | sha256': ['crane', 'skopeo', 'registry', 'python3'],
  'stella rootfs --all': ['umoci'],
  'aide --init': ['aide', 'umoci'],
};
const missing = Object.entries(needs).flatMap(([peer, list]) =>
  list.filter((t) => !present(tools[t])).map((t) => ({ peer, tool: t })),
);
if (missing.length > 0) {
  const lines = missing.map(
    ({ peer, tool }) =>
      `  ${peer}: ${tool} not found${tools[tool].path ? ` at ${tools[tool].path}` : ''} (get it: ${tools[tool].how})`,
  );
  if (!values['skip-missing']) {
    console.error(`peers.ts: missing tools\n${lines.join('\n')}\nor run with --skip-missing`);
    process.exit(1);
  }
  console.error(`skipping peers whose tools are missing:\n${lines.join('\n')}`);
}
const available = (peer: string): boolean => !missing.some((m) => m.peer === peer);

// ---- set-up (not timed) ---------------------------------------------------------------------------------

const work = await mkdtemp(join(tmpdir(), 'zastava-peers-'));
let registry: RegistryProcess | undefined;
try {
  const allFacets = join(work, 'all-files.yaml');
  await writeFile(allFacets, 'facets:\n  - facetId: all\n    type: Custom\n    includeGlobs: ["/**"]\n');
  const seal = stellaSeal(work);
  const sealArgs = (image: string, out: string, all: boolean): string[] =>
    seal(image, out, all ? { extra: ['--facets', allFacets] } : {});

  const contenders: Contender[] = [
    { name: 'floor', argv: [process.execPath, join(root, 'bench/seal/floor.mjs'), ref] },
    { name: 'stella seal', argv: sealArgs(ref, 'seal.json', false) },
    { name: 'stella seal --all', argv: sealArgs(ref, 'seal-all.json', true) },
  ];

  if (available('syft')) {
    // syft's oci-dir: reads a layout's only image: a copy holding just this one (same blobs).
    const single = join(work, 'single');
    await run(tools.skopeo.path!, [
      '--insecure-policy',
      'copy',
      '--preserve-digests',
      '--quiet',
      `oci:${layout}:${tag}`,
      `oci:${single}:${tag}`,
    ]);
    await mkdir(join(work, 'syft-tmp'));
    contenders.push({
      name: 'syft',
      argv: [
        tools.syft.path,
        'scan',
        `oci-dir:${single}`,
        '--override-default-catalogers',
        'digest',
        '--select-catalogers=-file-executable-cataloger,-file-content-cataloger',
        '-o',
        `syft-json=${join(work, 'syft.json')}`,
        '-q',
      ],
      env: {
        ...process.env,
        TMPDIR: join(work, 'syft-tmp'),
        SYFT_CHECK_FOR_APP_UPDATE: 'false',
        SYFT_FILE_METADATA_SELECTION: 'all',
        SYFT_FILE_METADATA_DIGESTS: 'sha256',
      },
    });
  }

  if (available('crane export | sha256')) {
    registry = await startRegistry({ dir: join(work, 'registry') });
    const image = `${registry.host}/peers/image:${tag}`;
    await pushLayout(layout, tag, image);
    const hasher = join(work, 'sha256-per-file.py');
    await writeFile(
      hasher,
      [
        'import hashlib, sys, tarfile',
        'files = 0',
        "with tarfile.open(fileobj=sys.stdin.buffer, mode='r|') as tar:",
        '    for member in tar:',
        '        if not member.isfile():',
        '            continue',
        '        h = hashlib.sha256()',
        '        f = tar.extractfile(member)',
        '        while chunk := f.read(1 << 20):',
        '            h.update(chunk)',
        '        print(member.name, h.hexdigest())',
        '        files += 1',
        "print(files, 'files', file=sys.stderr)",
        '',
      ].join('\n'),
    );
    contenders.push({
      name: 'crane export | sha256',
      argv: [
        'bash',
        '-c',
        'set -o pipefail; "$0" export --insecure "$1" - | python3 "$2"',
        tools.crane.path,
        image,
        hasher,
      ],
    });
  }

  const rootfs = join(work, 'bundle', 'rootfs');
  if (available('stella rootfs --all') || available('aide --init')) {
    await run(tools.umoci.path!, [
      'unpack',
      ...(process.getuid?.() === 0 ? [] : ['--rootless']),
      '--image',
      `${layout}:${tag}`,
      join(work, 'bundle'),
    ]);
  }
  if (available('stella rootfs --all')) {
    contenders.push({ name: 'stella rootfs --all', argv: sealArgs(`rootfs:${rootfs}`, 'rootfs.json', true) });
  }
  if (available('aide --init')) {
    const db = join(work, 'aide.db');
    const conf = join(work, 'aide.conf');
    await writeFile(
      conf,
      [
        `database_out=file:${db}`,
        'gzip_dbout=no',
        'report_url=stdout',
        `root_prefix=${rootfs}`,
        ...(values['aide-workers'] ? [`num_workers=${values['aide-workers']}`] : []),
        'Sums = sha256',
        '/ Sums',
        '',
      ].join('\n'),
    );
    contenders.push({
      name: 'aide --init',
      argv: [tools.aide.path!, '--init', '--config', conf],
      after: () => rm(db, { force: true }),
    });
  }

  const only = values.only?.split(',').map((s) => s.trim());
  const chosen = only ? contenders.filter((c) => c.name === 'floor' || only.includes(c.name)) : contenders;
  const runs = Number(values.runs);
  const { samples, loadBefore, loadAfter } = await interleave(chosen, runs);

  console.log(
    `image ${ref}; ${runs} runs each, interleaved; load average (1/5/15 min) ${formatLoad(loadBefore)} → ${formatLoad(loadAfter)}`,
  );
  console.log(await sanity(work, samples));
  console.log(table(samples, 'floor'));
  const ratio = (a: string, b: string): string | undefined => {
    const x = samples.get(a);
    const y = samples.get(b);
    if (!x || !y) return undefined;
    const r = (f: (s: Sample) => number): string => (median(x.map(f)) / median(y.map(f))).toFixed(2);
    return `${a} / ${b}: wall ${r((s) => s.wallMs)}, cpu ${r((s) => s.cpuMs)}`;
  };
  for (const line of [
    ratio('stella seal --all', 'syft'),
    ratio('stella seal --all', 'crane export | sha256'),
    ratio('stella seal', 'syft'),
    ratio('stella seal', 'crane export | sha256'),
    ratio('stella rootfs --all', 'aide --init'),
  ]) {
    if (line) console.log(line);
  }
  console.log(wallsLine(samples));
} finally {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
}

/** How many files each contender hashed (from the last run's outputs), so the comparison is like for like. */
async function sanity(dir: string, samples: Map<string, Sample[]>): Promise<string> {
  const counts: string[] = [];
  const sealFiles = async (file: string): Promise<string> => {
    const set = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      seals: Array<{ manifest: { files: Array<{ type: string }> } }>;
    };
    const files = set.seals.flatMap((s) => s.manifest.files);
    return `${files.filter((f) => f.type === 'file').length} files + ${files.filter((f) => f.type === 'symlink').length} symlinks`;
  };
  if (samples.has('stella seal')) counts.push(`stella seal ${await sealFiles('seal.json')}`);
  if (samples.has('stella seal --all')) counts.push(`--all ${await sealFiles('seal-all.json')}`);
  if (samples.has('stella rootfs --all')) counts.push(`rootfs --all ${await sealFiles('rootfs.json')}`);
  if (samples.has('syft')) {
    const syft = JSON.parse(await readFile(join(dir, 'syft.json'), 'utf8')) as {
      files?: Array<{ digests?: unknown[] }>;
    };
    counts.push(`syft ${(syft.files ?? []).filter((f) => f.digests?.length).length} digests`);
  }
  return `hashed: ${counts.join('; ')}`;
}
