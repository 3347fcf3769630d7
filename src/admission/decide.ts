import type { PolicyAction } from '../model/policy.ts';
import { createTracer, SPAN, withSpan } from '../telemetry/tracing.ts';
import { AdmissionError } from './errors.ts';
import {
  errorOutcome,
  evaluateImage,
  type AdmissionDefaults,
  type EvaluationContext,
  type EvaluationState,
  type ImageTask,
} from './evaluate-image.ts';
import { aggregateResult } from './messages.ts';
import type { AdmissionOutcome, ImageOutcome } from './outcome.ts';
import type { AdmissionPorts } from './ports.ts';
import { buildAdmissionRecord } from './record.ts';
import type { AdmissionRequest } from './review.ts';
import { extractWorkload, type Workload, type WorkloadImage } from './workload.ts';

export interface DecideOptions {
  /** Epoch milliseconds (deadlineFor: the webhook's `timeoutSeconds` minus a margin). */
  readonly deadline: number;
  readonly defaults: AdmissionDefaults;
}

/** Each image once, with every container that runs it, in pod order. */
export function groupImages(images: readonly WorkloadImage[]): ImageTask[] {
  const byImage = new Map<string, string[]>();
  for (const i of images) {
    const containers = byImage.get(i.image) ?? [];
    containers.push(`${i.containerKind} ${i.containerName}`);
    byImage.set(i.image, containers);
  }
  return [...byImage].map(([image, containers]) => ({ image, containers }));
}

const DEADLINE: unique symbol = Symbol('deadline');

/**
 * The admission decision (SPEC §11) as a plain function: the HTTP adapter parses the review, calls this,
 * and builds the response from `result`. Throws only `ADMISSION_REVIEW_MALFORMED` (from the workload
 * parser); every other failure becomes the configured `onError` decision, said in the message.
 */
export async function decideAdmission(
  request: AdmissionRequest,
  options: DecideOptions,
  ports: AdmissionPorts,
): Promise<AdmissionOutcome> {
  const startedAt = ports.clock.now();
  const dryRun = request.dryRun === true;
  const extraction = extractWorkload(request);
  if (extraction.action === 'pass') {
    return {
      result: { allowed: true, message: extraction.reason, violations: [], warnings: [] },
      skipped: extraction.reason,
      images: [],
      dryRun,
      recorded: false,
      durationMs: ports.clock.now() - startedAt,
    };
  }
  const workload = extraction.workload;
  const tracer = ports.tracer ?? createTracer();
  const attributes = {
    'zastava.uid': request.uid,
    'zastava.namespace': workload.namespace,
    'zastava.workload': `${workload.kind}/${workload.name}`,
    'zastava.dry_run': dryRun,
  };
  return withSpan(tracer, SPAN.admission, attributes, async () => {
    const controller = new AbortController();
    const expired: Promise<typeof DEADLINE> = ports.clock
      .sleep(Math.max(0, options.deadline - startedAt), controller.signal)
      .then(
        (): typeof DEADLINE => {
          controller.abort(deadlineError(options.deadline - startedAt));
          return DEADLINE;
        },
        (): typeof DEADLINE => DEADLINE,
      );
    try {
      const ctx: EvaluationContext = {
        ports,
        tracer,
        namespace: workload.namespace,
        pull: {
          namespace: workload.namespace,
          serviceAccountName: workload.serviceAccountName,
          imagePullSecrets: workload.imagePullSecrets,
        },
        dryRun,
        deadline: options.deadline,
        signal: controller.signal,
        defaults: options.defaults,
        memo: new Map(),
      };
      const images = await Promise.all(
        groupImages(workload.images).map(async (task) => {
          const state: EvaluationState = {};
          const outcome = await Promise.race([evaluateImage(task, ctx, state), expired]);
          return outcome === DEADLINE
            ? errorOutcome(task, state.policy, options.defaults, deadlineError(options.deadline - startedAt))
            : outcome;
        }),
      );
      let result = aggregateResult(workload, images);
      let recorded = false;
      if (!dryRun && ports.record !== undefined) {
        const failure = await recordDecision(
          request,
          workload,
          images,
          result,
          ports,
          controller.signal,
          expired,
        );
        if (failure === undefined) recorded = true;
        else result = afterRecordFailure(result, images, options.defaults.onError, failure);
      }
      return { result, workload, images, dryRun, recorded, durationMs: ports.clock.now() - startedAt };
    } finally {
      controller.abort(new Error('admission decided'));
    }
  });
}

function deadlineError(budgetMs: number): AdmissionError {
  return new AdmissionError(
    'ADMISSION_DEADLINE_EXCEEDED',
    `no decision within the webhook's internal deadline (${Math.max(0, Math.round(budgetMs))} ms)`,
    { hint: 'seal images in CI so the webhook only compares stored seals' },
  );
}

async function recordDecision(
  request: AdmissionRequest,
  workload: Workload,
  images: readonly ImageOutcome[],
  result: AdmissionOutcome['result'],
  ports: AdmissionPorts,
  signal: AbortSignal,
  expired: Promise<typeof DEADLINE>,
): Promise<{ code: string; message: string } | undefined> {
  const record = ports.record;
  if (record === undefined) return undefined;
  if (signal.aborted) {
    return { code: 'ADMISSION_DEADLINE_EXCEEDED', message: 'no time was left to record the decision' };
  }
  const entry = buildAdmissionRecord(request, workload, { result, images }, new Date(ports.clock.now()));
  try {
    const done = await Promise.race([record(entry, signal).then(() => 'recorded' as const), expired]);
    if (done === DEADLINE)
      return { code: 'ADMISSION_DEADLINE_EXCEEDED', message: 'recording the decision timed out' };
    return undefined;
  } catch (error) {
    ports.log?.error({ err: error, correlationId: request.uid }, 'admission: decision not recorded');
    return { code: 'ADMISSION_RECORD_FAILED', message: 'the decision could not be written to the audit log' };
  }
}

/**
 * An unrecorded decision never loosens: a denial stays a denial; an allowance becomes a denial when any
 * image's `onError` (or the default) is "deny", else it is allowed with a warning saying so.
 */
export function afterRecordFailure(
  result: AdmissionOutcome['result'],
  images: readonly ImageOutcome[],
  defaultOnError: PolicyAction,
  failure: { code: string; message: string },
): AdmissionOutcome['result'] {
  const note = `zastava: decision not recorded (${failure.code}: ${failure.message})`;
  if (!result.allowed) return { ...result, message: `${result.message ?? ''}\n${note}`.trim() };
  const onErrors = images.map((o) => (o.kind === 'error' ? o.onError : o.policy.onError));
  const deny = (onErrors.length === 0 ? [defaultOnError] : onErrors).includes('deny');
  if (deny) {
    return { ...result, allowed: false, message: `${note}; denied because onError is "deny"` };
  }
  return { ...result, warnings: [...result.warnings, `${note}; allowed because onError is "allow"`] };
}
