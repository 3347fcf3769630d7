import { readFile, stat } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { defaultFacets, loadFacetsFile } from '../facets/load.ts';
import { FacetError } from '../facets/errors.ts';
import { DriftError } from '../drift/errors.ts';
import { computeDrift } from '../drift/report.ts';
import { DRIFT_FORMATS, formatDrift, type DriftFormat } from '../drift/format/index.ts';
import { isSealsFile, loadDriftSide, type LoadedSide } from '../drift/input.ts';
import type { Decision, DriftReport } from '../model/drift.ts';
import { quotaResolver, type PolicyQuotaSource } from '../quota/resolve.ts';
import { parseQuotaFlag } from '../quota/flag.ts';
import type { PartialQuota } from '../model/facet.ts';
import { effectiveFacets, quotaSourcesFromPolicy } from '../quota/policy.ts';
import { parseReference, repositoryOf } from '../image/index.ts';
import { ClusterFacetPolicy, FacetPolicy } from '../k8s/crd-schema.ts';
import { compilePolicy, resolvePolicy, type CompiledPolicy } from '../k8s/policy-resolve.ts';
import { readPublicKeyFile, staticTrust, type TrustStore } from '../seal/index.ts';
import { defineCommand } from './command.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { IMAGE_FLAGS, IMAGE_FLAGS_USAGE, imageOptions } from './image-options.ts';
import { defaultKeyPrefix, resolveTrust } from './key-options.ts';
import { progressBar } from './progress.ts';
import { storedInputs } from './stored-inputs.ts';
import { isStoredInput } from '../drift/stored-input.ts';
import { STORE_FLAG_OPTIONS, type StoreFlags } from '../config/store.ts';

const USAGE = `stella drift BASE CUR [--facets FILE] [--policy FILE [--namespace NS]] [--quota FACET:field=value,…]… [--facet ID]… [--format table|json|markdown] [--fail-on warn|require-vex|block|never] [--no-verify] [--key PUB | --keyring FILE] ${IMAGE_FLAGS_USAGE}

BASE and CUR are image references (sealed on the fly), seals files (verified unless --no-verify),
stored:sha256:… (an image's seals in the store), baseline:REPO (its latest approved baseline) or
seal:UUID (one stored seal: the drift of its facet alone).
With both sides from the store, the drift is recorded in the drift history.
--policy FILE: FacetPolicy / ClusterFacetPolicy resources (YAML), resolved for CUR's repository in NS
(default "default") exactly as the webhook resolves them.
--quota config:maxChangedFiles=0,onExceed=RequireVex: one facet's limits, above every other source.
Exit: 0 Pass or Warn, 3 RequireVex, 4 Block (5 Warn with --fail-on warn), 1 error, 2 usage.`;

/** Flags shared by `stella drift` and `stella vex gen --from-drift`. */
export const DRIFT_INPUT_FLAGS = {
  facets: { type: 'string' },
  policy: { type: 'string' },
  namespace: { type: 'string' },
  facet: { type: 'string', multiple: true },
  quota: { type: 'string', multiple: true },
  'no-verify': { type: 'boolean' },
  key: { type: 'string' },
  keyring: { type: 'string' },
  ...IMAGE_FLAGS,
  ...STORE_FLAG_OPTIONS,
} as const;

type DriftInputValues = {
  facets?: string | undefined;
  policy?: string | undefined;
  namespace?: string | undefined;
  facet?: string[] | undefined;
  quota?: string[] | undefined;
  'no-verify'?: boolean | undefined;
  key?: string | undefined;
  keyring?: string | undefined;
  platform?: string | undefined;
  creds?: string | undefined;
  authfile?: string | undefined;
  'insecure-registry'?: string[] | undefined;
  'ca-file'?: string | undefined;
} & StoreFlags;

/** Loads both sides and computes the report: the library calls behind `stella drift` and `stella vex gen`. */
export async function driftFromArgs(
  command: string,
  base: string,
  cur: string,
  values: DriftInputValues,
  ctx: CliContext,
  usage: string,
): Promise<DriftReport> {
  const baseFacets = values.facets === undefined ? defaultFacets() : await loadFacetsFile(values.facets);
  const policy =
    values.policy === undefined
      ? undefined
      : resolvePolicy(await readPolicyFile(values.policy), {
          namespace: values.namespace ?? 'default',
          repository: await repositoryOfInput(cur),
        });
  const facets = policy === undefined ? baseFacets : effectiveFacets(baseFacets, policy);
  const sources = policy === undefined ? { facets } : quotaSourcesFromPolicy(policy, baseFacets);
  const inline = quotaFlags(command, values.quota ?? [], usage);
  const needsTrust = !values['no-verify'] && ((await isSealsFile(base)) || (await isSealsFile(cur)));
  const trust = needsTrust ? await trustFor(command, values, ctx, usage) : null;

  const stored = storedInputs(values, ctx);
  const progress = progressBar(ctx.stderr, ctx.stderrIsTTY);
  const load = (text: string, label: string): Promise<LoadedSide> =>
    isStoredInput(text)
      ? stored.load(text)
      : loadDriftSide(text, {
          facets,
          trust,
          open: imageOptions(values, ctx),
          onProgress: (p) =>
            progress.update(p.bytes, p.totalBytes, `${label}: layer ${p.layer + 1}/${p.layers}`),
        });
  try {
    const baseline = await load(base, 'baseline');
    const current = await load(cur, 'current');
    progress.done();
    assertKnownFacets(values.facet ?? [], baseline, current);
    const facetIds = facetsToShow(values.facet ?? [], base, baseline, cur, current);
    // Attribution compares both databases: with one side a seals file, causes come from paths only.
    const packages =
      baseline.packages !== undefined && current.packages !== undefined
        ? { baseline: baseline.packages, current: current.packages }
        : undefined;
    const report = computeDrift(baseline.side, current.side, {
      quotas: quotaResolver({
        ...sources,
        policies: [...inline, ...(sources.policies ?? [])],
        sealed: baseline.sealedQuotas,
      }),
      ...(packages ? { packages } : {}),
      ...(facetIds.length ? { facetIds } : {}),
    });
    if (isStoredInput(base) && isStoredInput(cur)) await stored.record(report);
    return report;
  } finally {
    progress.done(); // idempotent: clears the bar when a load failed
    await stored.close();
  }
}

/**
 * The facets to report: `--facet`, narrowed to the one facet of a `seal:UUID` input. Two seals of
 * different facets, or a `--facet` that leaves out the seal's facet, compare nothing: refused.
 */
function facetsToShow(
  flags: readonly string[],
  base: string,
  baseline: LoadedSide,
  cur: string,
  current: LoadedSide,
): string[] {
  const named = [
    ...(baseline.onlyFacet === undefined ? [] : [{ input: base, facetId: baseline.onlyFacet }]),
    ...(current.onlyFacet === undefined ? [] : [{ input: cur, facetId: current.onlyFacet }]),
  ];
  const [first] = named;
  if (first === undefined) return [...flags];
  const others = [...named.map((n) => n.facetId), ...flags].filter((id) => id !== first.facetId);
  if (others.length > 0) {
    const what = named.map((n) => `${n.input} is a seal of facet ${n.facetId}`).join('; ');
    const flagged = flags.length > 0 ? `; --facet ${flags.join(', ')}` : '';
    throw new DriftError('DRIFT_INPUT_INVALID', `${what}${flagged}: these facets cannot be compared`, {
      hint: 'compare seals of one facet, or give image digests (stored:sha256:…) to compare every facet',
    });
  }
  return [first.facetId];
}

/** `--facet ID` must name a facet of one side or the other. */
function assertKnownFacets(ids: readonly string[], baseline: LoadedSide, current: LoadedSide): void {
  const known = new Set([...baseline.side.facets, ...current.side.facets].map((f) => f.facetId));
  for (const id of ids) {
    if (!known.has(id)) {
      throw new FacetError('FACET_UNKNOWN', `--facet ${id}: no such facet (known: ${[...known].join(', ')})`);
    }
  }
}

/** `--quota FACET:field=value,…` flags: the most specific quota source, above any `--policy`. */
function quotaFlags(command: string, flags: readonly string[], usage: string): PolicyQuotaSource[] {
  if (flags.length === 0) return [];
  const quotas: Record<string, PartialQuota> = {};
  for (const flag of flags) {
    const parsed = parseQuotaFlag(flag);
    if (!parsed.ok) throw usageError(`stella ${command}: --quota ${flag}: ${parsed.reason}`, usage);
    if (parsed.facetId in quotas)
      throw usageError(`stella ${command}: --quota ${parsed.facetId} is given twice`, usage);
    quotas[parsed.facetId] = parsed.quota;
  }
  return [{ name: '--quota', quotas }];
}

/** FacetPolicy / ClusterFacetPolicy resources from a YAML (or JSON) file, one per document. */
async function readPolicyFile(file: string): Promise<CompiledPolicy[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError('INPUT_UNREADABLE', `cannot read policy file ${file}`, { cause: error });
  }
  const compiled: CompiledPolicy[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0)
      throw new CliError('INPUT_UNREADABLE', `${file}: document ${i + 1}: ${doc.errors[0]!.message}`);
    const raw = doc.toJSON() as { kind?: unknown } | null;
    if (raw === null) continue;
    const schema = raw.kind === 'ClusterFacetPolicy' ? ClusterFacetPolicy : FacetPolicy;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(
        'INPUT_UNREADABLE',
        `${file}: document ${i + 1}: ${issue.path.join('.') || '(document)'}: ${issue.message}`,
        {
          hint: 'FacetPolicy or ClusterFacetPolicy resources (zastava.stellaops.io/v1alpha1)',
        },
      );
    }
    compiled.push(compilePolicy(parsed.data));
  }
  return compiled;
}

/** `registry/repository` of the current image, as policies match it. */
async function repositoryOfInput(text: string): Promise<string> {
  let ref = text;
  if (await isSealsFile(text)) {
    const raw = JSON.parse(await readFile(text, 'utf8')) as { imageRef?: unknown };
    if (typeof raw.imageRef === 'string') ref = raw.imageRef;
  }
  return repositoryOf(parseReference(ref));
}

/** `--key`/`--keyring`, else the public half of the default key `stella seal` uses. */
async function trustFor(
  command: string,
  values: DriftInputValues,
  ctx: CliContext,
  usage: string,
): Promise<TrustStore> {
  if (values.key !== undefined || values.keyring !== undefined) return resolveTrust(command, values, usage);
  const pub = `${defaultKeyPrefix(ctx.env)}.pub`;
  if (
    await stat(pub).then(
      () => true,
      () => false,
    )
  )
    return staticTrust([await readPublicKeyFile(pub)]);
  throw usageError(
    `stella ${command}: seals files are verified: give --key PUB or --keyring FILE (or --no-verify)`,
    usage,
  );
}

const FAIL_ON: Record<string, Decision | 'never'> = {
  warn: 'Warn',
  'require-vex': 'RequireVex',
  requirevex: 'RequireVex',
  block: 'Block',
  never: 'never',
};
const RANK: Record<Decision, number> = { Pass: 0, Warn: 1, RequireVex: 2, Block: 3 };
const DECISION_EXIT: Record<Decision, number> = {
  Pass: EXIT.ok,
  Warn: 5,
  RequireVex: EXIT.requireVex,
  Block: EXIT.block,
};

/** SPEC §10 exit codes; `--fail-on` moves the threshold (decisions below it exit 0). */
export function exitCodeFor(decision: Decision, failOn: Decision | 'never' = 'RequireVex'): number {
  if (failOn === 'never' || RANK[decision] < RANK[failOn]) return EXIT.ok;
  return DECISION_EXIT[decision];
}

export const driftCommand = defineCommand(
  {
    name: 'drift',
    usage: USAGE,
    options: { ...DRIFT_INPUT_FLAGS, format: { type: 'string' }, 'fail-on': { type: 'string' } },
    positionals: 2,
  },
  async ({ values, positionals }, ctx) => {
    const format = (values.format ?? (ctx.stdoutIsTTY ? 'table' : 'json')) as DriftFormat;
    if (!DRIFT_FORMATS.includes(format))
      throw usageError(`stella drift: unknown --format "${format}"`, USAGE);
    const failOn = values['fail-on'] === undefined ? 'RequireVex' : FAIL_ON[values['fail-on'].toLowerCase()];
    if (failOn === undefined)
      throw usageError(`stella drift: unknown --fail-on "${values['fail-on']}"`, USAGE);

    const report = await driftFromArgs('drift', positionals[0]!, positionals[1]!, values, ctx, USAGE);
    ctx.stdout.write(formatDrift(report, format));
    return exitCodeFor(report.decision, failOn);
  },
);
