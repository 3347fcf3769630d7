import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './errors.ts';

/** The tools build-tools.sh builds; each binary is `<toolsDir>/<name>-<version>/<name>`. */
export const TOOL_NAMES = [
  'kube-apiserver',
  'kubectl',
  'etcd',
  'helm',
  'kubeconform',
  'crane',
  'syft',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const here = dirname(fileURLToPath(import.meta.url));
export const BUILD_TOOLS_SCRIPT = join(here, 'build-tools.sh');

const VERSION_KEY: Record<ToolName, string> = {
  'kube-apiserver': 'KUBERNETES_VERSION',
  kubectl: 'KUBERNETES_VERSION',
  etcd: 'ETCD_VERSION',
  helm: 'HELM_VERSION',
  kubeconform: 'KUBECONFORM_VERSION',
  crane: 'CRANE_VERSION',
  syft: 'SYFT_VERSION',
};

export interface ToolPaths {
  /** The cache root (`$ZASTAVA_TOOLS_DIR`, else `${XDG_CACHE_HOME:-~/.cache}/zastava/tools`). */
  readonly toolsDir: string;
  readonly versions: Readonly<Record<ToolName, string>>;
  readonly bin: Readonly<Record<ToolName, string>>;
}

/** Parses versions.env (KEY=VALUE lines, `#` comments); the environment overrides, as in paths.sh. */
export function parseVersions(text: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    out[key] = env[key] || line.slice(eq + 1);
  }
  return out;
}

/** The same paths `e2e/tools/paths.sh` prints. */
export async function toolPaths(env: NodeJS.ProcessEnv = process.env): Promise<ToolPaths> {
  const versionsFile = join(here, 'versions.env');
  const vars = parseVersions(await readFile(versionsFile, 'utf8'), env);
  const toolsDir =
    env.ZASTAVA_TOOLS_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zastava', 'tools');
  const versions = {} as Record<ToolName, string>;
  const bin = {} as Record<ToolName, string>;
  for (const name of TOOL_NAMES) {
    const version = vars[VERSION_KEY[name]];
    if (version === undefined) {
      throw new HarnessError(
        'TOOLS_VERSIONS_INVALID',
        `${versionsFile} has no ${VERSION_KEY[name]} (for ${name})`,
      );
    }
    versions[name] = version;
    bin[name] = join(toolsDir, `${name}-${version}`, name);
  }
  return { toolsDir, versions, bin };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The named tools whose binary is absent. */
export async function missingTools(
  names: readonly ToolName[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolName[]> {
  const { bin } = await toolPaths(env);
  const missing: ToolName[] = [];
  for (const name of names) if (!(await isExecutable(bin[name]))) missing.push(name);
  return missing;
}

/**
 * Makes sure the named binaries exist: builds the missing ones with build-tools.sh when `build` is
 * true (this can take many minutes), else fails naming them. Rejects with `TOOLS_MISSING` or
 * `TOOLS_BUILD_FAILED`, whose message carries the script's error lines.
 */
export async function ensureTools(
  names: readonly ToolName[],
  opts: { build?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolPaths> {
  const env = opts.env ?? process.env;
  const missing = await missingTools(names, env);
  if (missing.length === 0) return toolPaths(env);
  if (opts.build === false) {
    throw new HarnessError('TOOLS_MISSING', `e2e tools not built: ${missing.join(', ')}`, {
      hint: `run e2e/tools/build-tools.sh ${missing.join(' ')}`,
    });
  }
  const stderr = await new Promise<string>((resolve) => {
    execFile(
      'bash',
      [BUILD_TOOLS_SCRIPT, ...missing],
      { env, maxBuffer: 16 * 1024 * 1024 },
      (error, _out, err) => resolve(error === null ? '' : err || error.message),
    );
  });
  const still = await missingTools(names, env);
  if (still.length > 0) {
    throw new HarnessError(
      'TOOLS_BUILD_FAILED',
      `could not build e2e tools ${still.join(', ')}:\n${stderr.trim()}`,
      {
        hint: 'see the build logs under $ZASTAVA_TOOLS_DIR/logs; Go 1.26 and the Go module proxy are needed',
      },
    );
  }
  return toolPaths(env);
}
