import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import picomatch from 'picomatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, runOk, type RunResult } from './chart.ts';
import { parseDockerfile, parseDockerignore, type DockerStage } from './dockerfile.ts';

// The image cannot be built here (no Docker engine), so its two stages are reproduced from the
// Dockerfile itself: the files the build context would send (tracked files minus .dockerignore), the
// dependency stage's `npm ci --omit=dev`, then the runtime stage's ENTRYPOINT. Node 24 is the main
// tree's node_modules/.bin/node: --omit=dev drops the `node` package, as the image relies on its base.
const NODE24 = join(ROOT, 'node_modules', '.bin', 'node');

let app = '';
let stages: DockerStage[] = [];
let runtime: DockerStage;
let workdir = '/app';
let scratch = '';

async function contextFiles(): Promise<string[]> {
  const tracked = (await runOk('git', ['ls-files', '-z'], { cwd: ROOT })).split('\0').filter((f) => f !== '');
  const ignored = picomatch(parseDockerignore(await readFile(join(ROOT, '.dockerignore'), 'utf8')), {
    dot: true,
  });
  // A pattern excludes a path when it matches the path or one of its parent directories.
  const excluded = (file: string) => {
    for (let p = file; p !== '.' && p !== ''; p = posix.dirname(p)) if (ignored(p)) return true;
    return false;
  };
  return tracked.filter((f) => !excluded(f));
}

/** COPY SOURCES... DEST of one stage, from the context into `into` (the stage's WORKDIR). */
async function copyStage(stage: DockerStage, files: readonly string[], into: string): Promise<void> {
  for (const { sources, dest } of stage.copies) {
    const target = posix.isAbsolute(dest) ? posix.relative(workdir, dest) : dest;
    for (const source of sources) {
      const clean = source.replace(/\/+$/, '');
      const matched = files.filter((f) => f === clean || f.startsWith(`${clean}/`));
      if (matched.length === 0) throw new Error(`Dockerfile COPY ${source}: nothing in the build context`);
      for (const file of matched) {
        const isDir = file !== clean;
        const relative = isDir
          ? posix.join(target, posix.relative(clean, file))
          : dest.endsWith('/') || sources.length > 1
            ? posix.join(target, posix.basename(file))
            : target;
        await mkdir(dirname(join(into, relative)), { recursive: true });
        await cp(join(ROOT, file), join(into, relative));
      }
    }
  }
}

function entrypointCommand(extra: readonly string[]): { file: string; args: string[] } {
  const argv = [...(runtime.entrypoint ?? []), ...extra].map((a) =>
    a === workdir || a.startsWith(`${workdir}/`) ? join(app, a.slice(workdir.length)) : a,
  );
  const [program, ...args] = argv;
  if (program !== 'node') throw new Error(`the ENTRYPOINT runs ${program}, not node`);
  return { file: NODE24, args };
}

function runInImage(extra: readonly string[]): Promise<RunResult> {
  const { file, args } = entrypointCommand(extra);
  return run(file, args, {
    cwd: app,
    env: { ...runtime.env, PATH: '/usr/bin:/bin', HOME: join(scratch, 'home'), TMPDIR: join(scratch, 'tmp') },
    timeoutMs: 60_000,
  });
}

describe('the container image, reproduced from the Dockerfile on a clean tree', () => {
  beforeAll(async () => {
    stages = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
    runtime = stages.at(-1)!;
    workdir = runtime.workdir ?? '/';
    const deps = stages.find((s) => s.runs.some((r) => /\bnpm ci\b/.test(r)));
    if (deps === undefined) throw new Error('no Dockerfile stage runs npm ci');

    scratch = await mkdtemp(join(tmpdir(), 'zastava-image-'));
    app = join(scratch, 'app');
    const depsDir = join(scratch, 'deps');
    await Promise.all([
      mkdir(app),
      mkdir(depsDir),
      mkdir(join(scratch, 'home')),
      mkdir(join(scratch, 'tmp')),
    ]);
    const files = await contextFiles();
    await copyStage(deps, files, depsDir);
    await copyStage(runtime, files, app);

    // The dependency stage's `npm ci ...` (up to the first &&), with the main tree's Node 24 first on PATH.
    const npmCi = deps.runs
      .find((r) => /\bnpm ci\b/.test(r))!
      .split('&&')[0]!
      .trim()
      .split(/\s+/);
    const result = await run(npmCi[0]!, [...npmCi.slice(1), '--prefer-offline'], {
      cwd: depsDir,
      env: { ...process.env, PATH: `${dirname(NODE24)}:${process.env.PATH ?? ''}`, NODE_ENV: 'production' },
      timeoutMs: 600_000,
    });
    if (result.code !== 0) throw new Error(`${npmCi.join(' ')} failed:\n${result.stderr}`);
    await rename(join(depsDir, 'node_modules'), join(app, 'node_modules'));
  }, 900_000);

  afterAll(async () => {
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  it('has no dev dependency in node_modules (npm ci --omit=dev)', async () => {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, meta]) => path.startsWith('node_modules/') && meta.dev === true)
      .map(([path]) => path);
    expect(devOnly.length).toBeGreaterThan(0);
    const present = [];
    for (const path of devOnly.slice(0, 200)) {
      const found = await readFile(join(app, path, 'package.json'), 'utf8').then(
        () => true,
        () => false,
      );
      if (found) present.push(path);
    }
    expect(present).toEqual([]);
  });

  it('runs `stella serve --help` through the image ENTRYPOINT', async () => {
    const result = await runInImage(['serve', '--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stella serve/);
  });

  it('knows every flag the chart passes to `stella serve`', async () => {
    const template = await readFile(join(ROOT, 'charts', 'zastava', 'templates', 'deployment.yaml'), 'utf8');
    const flags = [
      ...new Set([...template.matchAll(/^\s*- (--[a-z][a-z0-9-]*)(?:=|$)/gm)].map((m) => m[1]!)),
    ];
    expect(flags).toContain('--tls-cert');
    const help = (await runInImage(['serve', '--help'])).stdout;
    expect(flags.filter((flag) => !help.includes(flag))).toEqual([]);
  });

  it('runs `stella db migrate --help`, what the chart runs before the webhook starts', async () => {
    const result = await runInImage(['db', 'migrate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stella db migrate/);
  });
});
