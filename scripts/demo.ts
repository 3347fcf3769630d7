/**
 * `npm run demo`: builds two small images with the project's own fixture code (an "app" v1 and a v2 with
 * a dependency upgrade, an edited config file and a tampered binary), seals them, verifies the seals,
 * approves a baseline in the embedded store (PGlite: no server needed) and shows the drift and the
 * decision, with its causes. Everything runs in process, with data under a temporary ZASTAVA_DATA_DIR.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.ts';
import { processContext } from '../src/cli/context.ts';
import { writeOciLayout, type FixtureEntry, type FixtureImage } from '../test/fixtures/index.ts';

const base: FixtureEntry[] = [
  { type: 'file', path: '/etc/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
  { type: 'file', path: '/etc/app/app.conf', content: 'listen=8080\nlog=info\n' },
  { type: 'file', path: '/usr/bin/app', content: 'ELF app build 1\n', mode: 0o755 },
  { type: 'file', path: '/usr/bin/env', content: 'ELF env\n', mode: 0o755 },
  {
    type: 'file',
    path: '/var/lib/dpkg/status',
    content: 'Package: app\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n',
  },
  { type: 'file', path: '/var/lib/dpkg/info/app.list', content: '/usr/bin/app\n' },
];
const nodeModules = (lodash: string, extra: boolean): FixtureEntry[] => [
  { type: 'file', path: '/app/package.json', content: `{"name":"demo","version":"1.0.0"}` },
  {
    type: 'file',
    path: '/app/node_modules/lodash/package.json',
    content: `{"name":"lodash","version":"${lodash}"}`,
  },
  { type: 'file', path: '/app/node_modules/lodash/lodash.js', content: `/* lodash ${lodash} */` },
  ...(extra
    ? ([
        {
          type: 'file',
          path: '/app/node_modules/left-pad/package.json',
          content: '{"name":"left-pad","version":"1.3.0"}',
        },
        { type: 'file', path: '/app/node_modules/left-pad/index.js', content: 'module.exports = pad;' },
      ] satisfies FixtureEntry[])
    : []),
];

const v1: FixtureImage = { layers: [{ entries: base }, { entries: nodeModules('4.17.20', false) }] };
const v2: FixtureImage = {
  layers: [
    { entries: base },
    { entries: nodeModules('4.17.21', true) },
    {
      entries: [
        { type: 'file', path: '/etc/app/app.conf', content: 'listen=8080\nlog=debug\n' },
        {
          type: 'file',
          path: '/usr/bin/app',
          content: 'ELF app build 2 (same package version)\n',
          mode: 0o755,
        },
      ],
    },
  ],
};

const dir = await mkdtemp(join(tmpdir(), 'zastava-demo-'));
const ctx = {
  ...processContext(),
  env: { ...process.env, ZASTAVA_DATA_DIR: join(dir, 'data'), STELLA_SEALED_BY: 'demo' },
};
const step = async (title: string, ...args: string[]): Promise<number> => {
  process.stdout.write(
    `\n\x1b[1m$ stella ${args.map((a) => a.replace(dir, '$DEMO')).join(' ')}\x1b[0m   # ${title}\n`,
  );
  return runCli(args, ctx);
};

try {
  await writeOciLayout(join(dir, 'images'), v1, { tag: 'v1' });
  await writeOciLayout(join(dir, 'images'), v2, { tag: 'v2' });
  const layout = join(dir, 'images');
  let failed = 0;
  const must = (code: number) => (failed += code === 0 ? 0 : 1);
  must(await step('a signing key', 'keys', 'generate', '--output-prefix', join(dir, 'demo')));
  must(await step('trust it in the embedded store (PGlite)', 'db', 'keys', 'add', join(dir, 'demo.pub')));
  must(
    await step(
      'seal v1 into the store',
      'seal',
      `oci:${layout}:v1`,
      '--key',
      join(dir, 'demo.key'),
      '--store',
      '--format',
      'table',
    ),
  );
  must(
    await step(
      'approve v1 as the baseline',
      'baseline',
      'approve',
      `oci:${layout}:v1`,
      '--reason',
      'release 1.0',
    ),
  );
  must(
    await step(
      'seal v2 to a file',
      'seal',
      `oci:${layout}:v2`,
      '--key',
      join(dir, 'demo.key'),
      '--output',
      join(dir, 'v2.seals.json'),
    ),
  );
  must(
    await step('verify the seals file', 'verify', join(dir, 'v2.seals.json'), '--key', join(dir, 'demo.pub')),
  );
  const drift = await step(
    'what changed since the baseline, and is it allowed?',
    'drift',
    `oci:${layout}:v1`,
    `oci:${layout}:v2`,
    '--format',
    'table',
  );
  process.stdout.write(`\n(stella drift exited ${drift}: 0 pass/warn, 3 require a VEX, 4 block)\n`);
  if (drift !== 3 && drift !== 4) failed++;
  const stored = await step(
    'the same against the approved baseline in the store',
    'drift',
    `baseline:oci:${layout}`,
    join(dir, 'v2.seals.json'),
    '--key',
    join(dir, 'demo.pub'),
    '--format',
    'table',
  );
  if (stored !== drift) failed++;
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
