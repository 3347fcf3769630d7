import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ChartHarnessError } from './errors.ts';

/** Paths and small wrappers around helm for the chart's tests. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART_DIR = join(ROOT, 'charts', 'zastava');
export const CI_DIR = join(CHART_DIR, 'ci');

/** `charts/zastava/ci/*.yaml`, sorted: every file is linted, rendered and validated. */
export async function ciValueFiles(): Promise<string[]> {
  const names = (await readdir(CI_DIR)).filter((n) => n.endsWith('.yaml')).sort();
  return names.map((n) => join(CI_DIR, n));
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program; never rejects for a non-zero exit (the caller decides). */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 300_000,
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new ChartHarnessError('TOOL_FAILED', `${file} ${args.join(' ')}: ${error.message}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a program and returns its stdout; a non-zero exit rejects with the command and its stderr. */
export async function runOk(
  file: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<string> {
  const result = await run(file, args, opts);
  if (result.code !== 0) {
    throw new ChartHarnessError(
      'TOOL_FAILED',
      `${file} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

export interface TemplateOptions {
  readonly valuesFiles?: readonly string[];
  /** `--set` assignments. */
  readonly set?: readonly string[];
  readonly release?: string;
  readonly namespace?: string;
  readonly includeCrds?: boolean;
}

/**
 * The Kubernetes version `helm template` renders for: the harness's (e2e/tools/versions.env). Helm
 * otherwise assumes the version compiled into it, which a `go install` build leaves at v1.20, below the
 * chart's kubeVersion.
 */
export const KUBE_VERSION = (() => {
  const match = /^KUBERNETES_VERSION=(\S+)$/m.exec(
    readFileSync(join(ROOT, 'e2e', 'tools', 'versions.env'), 'utf8'),
  );
  if (match?.[1] === undefined) throw new Error('e2e/tools/versions.env has no KUBERNETES_VERSION');
  return process.env.KUBERNETES_VERSION || match[1];
})();

export function templateArgs(opts: TemplateOptions = {}): string[] {
  const args = ['template', opts.release ?? 'zastava', CHART_DIR, '--namespace', opts.namespace ?? 'zastava'];
  args.push('--kube-version', KUBE_VERSION);
  for (const file of opts.valuesFiles ?? []) args.push('--values', file);
  for (const assignment of opts.set ?? []) args.push('--set', assignment);
  if (opts.includeCrds === true) args.push('--include-crds');
  return args;
}

/** A Kubernetes object as rendered; tests reach inside with `at`. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/**
 * The value at a dotted path (`spec.template.spec.containers.0.args`), or undefined when any step is
 * missing. Keys containing dots are written in brackets: `data[tls.crt]`.
 */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.match(/\[[^\]]+\]|[^.[\]]+/g) ?? []) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = step.startsWith('[') ? step.slice(1, -1) : step;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function atString(value: unknown, path: string): string {
  const found = at(value, path);
  if (typeof found !== 'string')
    throw new TypeError(`${path}: expected a string, got ${JSON.stringify(found)}`);
  return found;
}

export function atList(value: unknown, path: string): unknown[] {
  const found = at(value, path);
  if (!Array.isArray(found)) throw new TypeError(`${path}: expected a list, got ${JSON.stringify(found)}`);
  return found as unknown[];
}

/** The objects of a multi-document YAML stream (empty documents dropped). */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const [error] = doc.errors;
    if (error !== undefined) throw error;
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value as K8sObject);
  }
  return out;
}

export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(
      `expected one ${kind}${name === undefined ? '' : `/${name}`}, found ${found.length} in: ${have}`,
    );
  }
  return found[0]!;
}
