/**
 * Just enough of a Dockerfile reader for the runtime test: which paths each stage copies from the build
 * context, the `npm ci` of the dependency stage, and the runtime stage's ENV, WORKDIR, ENTRYPOINT and
 * CMD. The test then reproduces the image on this machine, which has no Docker engine.
 */

export interface DockerStage {
  readonly name: string | undefined;
  /** COPY sources from the build context (not `--from`), with their destinations. */
  readonly copies: readonly { sources: readonly string[]; dest: string }[];
  readonly runs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string | undefined;
  readonly entrypoint: readonly string[] | undefined;
  readonly cmd: readonly string[] | undefined;
}

/** Instructions joined across `\` continuations, comments and parser directives dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = '';
  }
  if (current !== '') out.push(current);
  return out;
}

function execForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${what} must be in exec form (a JSON array of strings): ${args}`);
  }
  return parsed;
}

export function parseDockerfile(text: string): DockerStage[] {
  const stages: {
    name: string | undefined;
    copies: { sources: string[]; dest: string }[];
    runs: string[];
    env: Record<string, string>;
    workdir: string | undefined;
    entrypoint: string[] | undefined;
    cmd: string[] | undefined;
  }[] = [];
  for (const instruction of instructions(text)) {
    const match = /^(\w+)\s+(.*)$/s.exec(instruction);
    if (match === null) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const as = /\s+AS\s+(\S+)$/i.exec(args);
      stages.push({
        name: as?.[1],
        copies: [],
        runs: [],
        env: {},
        workdir: undefined,
        entrypoint: undefined,
        cmd: undefined,
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue;
    switch (keyword) {
      case 'COPY': {
        const words = args.split(/\s+/);
        if (words.some((w) => w.startsWith('--from'))) break;
        const paths = words.filter((w) => !w.startsWith('--'));
        stage.copies.push({ sources: paths.slice(0, -1), dest: paths.at(-1)! });
        break;
      }
      case 'RUN':
        stage.runs.push(args);
        break;
      case 'ENV': {
        for (const pair of args.split(/\s+/)) {
          const eq = pair.indexOf('=');
          if (eq > 0) stage.env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        break;
      }
      case 'WORKDIR':
        stage.workdir = args;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(args, 'ENTRYPOINT');
        break;
      case 'CMD':
        stage.cmd = execForm(args, 'CMD');
        break;
    }
  }
  return stages;
}

/** `.dockerignore` patterns (comments and blanks dropped; `!` exceptions are not supported). */
export function parseDockerignore(text: string): string[] {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const exception = patterns.find((p) => p.startsWith('!'));
  if (exception !== undefined)
    throw new Error(`.dockerignore exceptions are not supported here: ${exception}`);
  return patterns.map((p) => p.replace(/^\/+/, '').replace(/\/+$/, ''));
}
