import type { Logger } from 'pino';
import { isZastavaError } from '../model/errors.ts';
import type { FacetMetrics } from '../telemetry/metrics.ts';
import { decideAdmission } from './decide.ts';
import { deadlineFor } from './deadline.ts';
import type { AdmissionDefaults } from './evaluate-image.ts';
import { admissionLogLines, observeAdmission } from './observe.ts';
import type { AdmissionLogger, AdmissionPorts } from './ports.ts';
import { buildAdmissionReview, parseAdmissionReview, type AdmissionReviewResponse } from './review.ts';

/**
 * The transport-free half of `POST /validate` (STYLE.md, Kyverno anchor: an adapter does all decoding and
 * encoding): JSON in, status and JSON out. The express route only parses the body (size-limited) and
 * writes what this returns.
 */
export interface ValidateContext {
  readonly ports: AdmissionPorts;
  readonly defaults: AdmissionDefaults;
  /** The webhook configuration's `timeoutSeconds` (the chart passes the same value to both). */
  readonly timeoutSeconds: number;
  readonly deadlineMarginMs?: number;
  readonly metrics?: FacetMetrics;
  readonly log?: Logger;
}

export type ValidateReply =
  | { readonly status: 200; readonly body: AdmissionReviewResponse }
  | { readonly status: 400; readonly body: { readonly code: string; readonly message: string } };

/**
 * The request's log lines with its correlation id as a field: the same JSON as a pino child's, without
 * making a child per review (a child serialises and redacts its bindings when it is made).
 */
function correlated(
  log: Logger,
  correlationId: string,
): AdmissionLogger & { info(fields: object, message: string): void } {
  return {
    debug: (fields, message) => {
      if (log.isLevelEnabled('debug')) log.debug({ ...fields, correlationId }, message);
    },
    info: (fields: object, message: string) => log.info({ ...fields, correlationId }, message),
    warn: (fields, message) => log.warn({ ...fields, correlationId }, message),
    error: (fields, message) => log.error({ ...fields, correlationId }, message),
  };
}

export async function handleValidate(body: unknown, ctx: ValidateContext): Promise<ValidateReply> {
  const startedAt = ctx.ports.clock.now();
  let uid: string | undefined;
  try {
    const request = parseAdmissionReview(body);
    uid = request.uid;
    const log = ctx.log === undefined ? undefined : correlated(ctx.log, request.uid);
    const ports = log === undefined ? ctx.ports : { ...ctx.ports, log };
    const deadline = deadlineFor(startedAt, ctx.timeoutSeconds, ctx.deadlineMarginMs);
    const outcome = await decideAdmission(request, { deadline, defaults: ctx.defaults }, ports);
    if (ctx.metrics !== undefined) observeAdmission(ctx.metrics, outcome);
    if (log !== undefined) {
      const debug = ctx.log?.isLevelEnabled('debug') === true;
      for (const line of admissionLogLines(outcome, { debug })) log[line.level](line.fields, line.message);
    }
    return { status: 200, body: buildAdmissionReview(request.uid, outcome.result) };
  } catch (error) {
    if (isZastavaError(error) && error.code === 'ADMISSION_REVIEW_MALFORMED') {
      ctx.log?.warn({ err: error, correlationId: uid }, 'admission: malformed review');
      return { status: 400, body: { code: error.code, message: error.message } };
    }
    // decideAdmission turns every failure into a decision; reaching here is a bug. Still answer, with the
    // configured onError decision said in the message: never a silent allow.
    ctx.log?.error({ err: error, correlationId: uid }, 'admission: unexpected failure');
    const allowed = ctx.defaults.onError === 'allow';
    const note = `zastava could not evaluate the request (ADMISSION_INTERNAL); ${allowed ? 'allowed' : 'denied'} because onError is "${ctx.defaults.onError}"`;
    return {
      status: 200,
      body: buildAdmissionReview(
        uid ?? '',
        allowed ? { allowed, warnings: [note] } : { allowed, message: note, warnings: [] },
      ),
    };
  }
}
