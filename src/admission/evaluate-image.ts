import type { Tracer } from '@opentelemetry/api';
import type { Sha256Digest } from '../model/digest.ts';
import { isZastavaError } from '../model/errors.ts';
import type { PolicyAction, ResolvedPolicy } from '../model/policy.ts';
import type { FacetSeal } from '../model/seal.ts';
import { SPAN, withSpan } from '../telemetry/tracing.ts';
import { AdmissionError } from './errors.ts';
import { parseImageName, pinnedName, type ImageName } from './image-name.ts';
import { summarizeDrift, type FacetOutcome, type ImageEvaluation, type ImageOutcome } from './outcome.ts';
import type { AdmissionPorts, ApprovedBaseline, DecisionKey, PullContext } from './ports.ts';
import { facetDecision, isDenied, mostSevere } from './severity.ts';

/** The defaults that apply when no policy could be resolved (an invalid reference, a resolver failure). */
export interface AdmissionDefaults {
  readonly tenant: string;
  readonly onError: PolicyAction;
}

/** One image of the request and the containers that run it (each image is evaluated once). */
export interface ImageTask {
  readonly image: string;
  readonly containers: readonly string[];
}

export interface EvaluationContext {
  readonly ports: AdmissionPorts;
  readonly tracer: Tracer;
  readonly namespace: string;
  readonly pull: PullContext;
  readonly dryRun: boolean;
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly defaults: AdmissionDefaults;
  /** Per request: two references to one digest are evaluated once. */
  readonly memo: Map<string, Promise<{ evaluation: ImageEvaluation; cached: boolean }>>;
}

/** Filled in as the evaluation goes, so a deadline outcome can use the image's own `onError`. */
export interface EvaluationState {
  policy?: ResolvedPolicy;
}

export function errorOutcome(
  task: ImageTask,
  policy: ResolvedPolicy | undefined,
  defaults: AdmissionDefaults,
  error: unknown,
): ImageOutcome {
  const onError = policy?.onError ?? defaults.onError;
  const known = isZastavaError(error);
  return {
    kind: 'error',
    image: task.image,
    containers: task.containers,
    allowed: onError === 'allow',
    policy,
    tenant: policy?.tenant ?? defaults.tenant,
    onError,
    code: known ? error.code : 'ADMISSION_INTERNAL',
    message: known
      ? error.message
      : `unexpected ${error instanceof Error ? error.name : typeof error}; see the webhook log`,
  };
}

export async function evaluateImage(
  task: ImageTask,
  ctx: EvaluationContext,
  state: EvaluationState,
): Promise<ImageOutcome> {
  try {
    const name = parseImageName(task.image);
    const policy = await ctx.ports.resolvePolicy({
      namespace: ctx.namespace,
      repository: name.repositoryName,
      image: task.image,
    });
    state.policy = policy;
    const imageDigest = await ctx.ports.resolveDigest(name, ctx.pull, ctx.signal);
    const baseline = await ctx.ports.latestApprovedBaseline(
      { tenant: policy.tenant, repository: name.repositoryName },
      ctx.signal,
    );
    const common = {
      image: task.image,
      containers: task.containers,
      repository: name.repositoryName,
      imageDigest,
    };
    if (baseline === null) {
      return { ...common, kind: 'no-baseline', policy, allowed: policy.noBaseline === 'allow' };
    }
    const { evaluation, cached } = await evaluationFor(name, imageDigest, baseline, policy, ctx);
    return {
      ...common,
      kind: 'evaluated',
      baseline,
      policy,
      evaluation,
      cached,
      allowed: !isDenied(evaluation.decision),
    };
  } catch (error) {
    // After the deadline the outcome is already decided; an aborted port's error is expected noise.
    if (!isZastavaError(error) && !ctx.signal.aborted) {
      ctx.ports.log?.error({ err: error, imageRef: task.image }, 'admission: unexpected error');
    }
    return errorOutcome(task, state.policy, ctx.defaults, error);
  }
}

function evaluationFor(
  name: ImageName,
  imageDigest: Sha256Digest,
  baseline: ApprovedBaseline,
  policy: ResolvedPolicy,
  ctx: EvaluationContext,
): Promise<{ evaluation: ImageEvaluation; cached: boolean }> {
  // The approved image itself: nothing can have drifted.
  if (baseline.imageDigest === imageDigest) {
    return Promise.resolve({ evaluation: { decision: 'Pass', facets: [] }, cached: false });
  }
  const key: DecisionKey = {
    tenant: policy.tenant,
    baselineDigest: baseline.imageDigest,
    currentDigest: imageDigest,
    policyVersion: policy.version,
  };
  const hit = ctx.ports.cache?.get(key);
  if (hit !== undefined) return Promise.resolve({ evaluation: hit, cached: true });
  const memoKey = `${key.tenant}\u0000${key.baselineDigest}\u0000${key.currentDigest}\u0000${key.policyVersion}`;
  let pending = ctx.memo.get(memoKey);
  if (pending === undefined) {
    pending = computeEvaluation(name, imageDigest, baseline, policy, ctx).then((evaluation) => {
      ctx.ports.cache?.set(key, evaluation);
      return { evaluation, cached: false };
    });
    ctx.memo.set(memoKey, pending);
  }
  return pending;
}

async function computeEvaluation(
  name: ImageName,
  imageDigest: Sha256Digest,
  baseline: ApprovedBaseline,
  policy: ResolvedPolicy,
  ctx: EvaluationContext,
): Promise<ImageEvaluation> {
  const { ports, signal, tracer } = ctx;
  const [baselineSeals, currentSeals] = await Promise.all([
    ports.findSeals({ tenant: policy.tenant, digest: baseline.imageDigest, by: 'image' }, signal),
    currentSealsOf(name, imageDigest, policy, ctx),
  ]);
  if (baselineSeals.length === 0) {
    throw new AdmissionError(
      'ADMISSION_BASELINE_UNSEALED',
      `the approved baseline ${pinnedName(name, baseline.imageDigest)} has no seals in tenant ${policy.tenant}`,
      {
        hint: 'seal the baseline image in CI (stella seal IMAGE --push) or approve another one',
      },
    );
  }
  const attributes = { 'zastava.image_digest': imageDigest, 'zastava.baseline_digest': baseline.imageDigest };
  const drifts = await withSpan(tracer, SPAN.driftCompute, attributes, () =>
    ports.computeDrift(baselineSeals, currentSeals, policy, signal),
  );
  const facets = await withSpan(tracer, SPAN.quotaEvaluate, attributes, () =>
    Promise.all(
      drifts.map(async (drift): Promise<FacetOutcome> => {
        const decision = facetDecision(drift);
        const summary = summarizeDrift(drift);
        if (decision !== 'RequireVex') return { facetId: drift.facetId, decision, drift: summary };
        const vex = await ports.findVex(
          {
            tenant: policy.tenant,
            imageDigest,
            facetId: drift.facetId,
            baselineRoot: drift.baselineMerkleRoot,
            currentRoot: drift.currentMerkleRoot,
          },
          signal,
        );
        return {
          facetId: drift.facetId,
          decision: vex.acknowledged ? 'VexAcknowledged' : 'RequireVex',
          drift: summary,
          vex,
        };
      }),
    ),
  );
  return { decision: mostSevere(facets.map((f) => f.decision)), facets };
}

/** SPEC §11: by manifest digest, then by config digest, then (optionally) extraction within the deadline. */
async function currentSealsOf(
  name: ImageName,
  imageDigest: Sha256Digest,
  policy: ResolvedPolicy,
  ctx: EvaluationContext,
): Promise<readonly FacetSeal[]> {
  const { ports, signal } = ctx;
  const tenant = policy.tenant;
  const byImage = await ports.findSeals({ tenant, digest: imageDigest, by: 'image' }, signal);
  if (byImage.length > 0) return byImage;
  if (ports.resolveConfigDigest !== undefined) {
    const configDigest = await ports.resolveConfigDigest(name, imageDigest, ctx.pull, signal);
    if (configDigest !== null) {
      const byConfig = await ports.findSeals({ tenant, digest: configDigest, by: 'config' }, signal);
      if (byConfig.length > 0) return byConfig;
    }
  }
  const extract = ports.extractOnMiss;
  if (extract !== undefined && ports.extractions !== undefined) {
    const extracted = await ports.extractions.run(
      // A dry run's extraction is not stored: a real review must not wait on it and take unstored seals.
      `${tenant}\u0000${imageDigest}${ctx.dryRun ? '\u0000dry' : ''}`,
      async (flightSignal) => {
        const release = await ports.lockExtraction?.(imageDigest, flightSignal);
        try {
          // Another replica may have sealed it while this one waited for the lock.
          const again = await ports.findSeals({ tenant, digest: imageDigest, by: 'image' }, flightSignal);
          if (again.length > 0) return again;
          return await withSpan(ctx.tracer, SPAN.extract, { 'zastava.image_digest': imageDigest }, () =>
            extract({
              image: name,
              imageDigest,
              tenant,
              policy,
              pull: ctx.pull,
              deadline: ctx.deadline,
              signal: flightSignal,
              persist: !ctx.dryRun,
            }),
          );
        } finally {
          await release?.();
        }
      },
      signal,
    );
    if (extracted.length > 0) return extracted;
  }
  throw new AdmissionError(
    'ADMISSION_IMAGE_UNSEALED',
    `no seals for ${pinnedName(name, imageDigest)} in tenant ${tenant}` +
      (extract === undefined ? ' and extraction in the webhook is off' : ''),
    {
      hint: 'seal images in CI: stella seal IMAGE --push (to ZASTAVA_SERVER with ZASTAVA_TOKEN, else the store)',
    },
  );
}
