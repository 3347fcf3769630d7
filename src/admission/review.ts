import { z } from 'zod';
import type { AdmissionResult } from '../model/admission.ts';
import { AdmissionError } from './errors.ts';
import { boundWarnings } from './warnings.ts';

/**
 * AdmissionReview `admission.k8s.io/v1` (k8s.io/api admission/v1 types), parsed once at the edge. Only
 * the fields Zastava reads are typed; `object` and `oldObject` stay `unknown` until the workload parser
 * reads them against the kind they claim to be.
 */
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export const GroupVersionKind = z.object({ group: z.string(), version: z.string(), kind: z.string().min(1) });
export type GroupVersionKind = z.infer<typeof GroupVersionKind>;

export const GroupVersionResource = z.object({
  group: z.string(),
  version: z.string(),
  resource: z.string().min(1),
});
export type GroupVersionResource = z.infer<typeof GroupVersionResource>;

export const AdmissionOperation = z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);
export type AdmissionOperation = z.infer<typeof AdmissionOperation>;

export const UserInfo = z.object({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});

export const AdmissionRequest = z.object({
  /** Echoed in the response; the API server rejects a response with another uid. */
  uid: z.string().min(1).max(256),
  kind: GroupVersionKind,
  resource: GroupVersionResource,
  subResource: z.string().optional(),
  requestKind: GroupVersionKind.optional(),
  requestResource: GroupVersionResource.optional(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: AdmissionOperation,
  userInfo: UserInfo.optional(),
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
  options: z.unknown().optional(),
});
export type AdmissionRequest = z.infer<typeof AdmissionRequest>;

export const AdmissionReviewRequest = z.object({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal(ADMISSION_KIND),
  request: AdmissionRequest,
});
export type AdmissionReviewRequest = z.infer<typeof AdmissionReviewRequest>;

/** Describes at most three zod issues by field path (`request.operation: …`), never echoing values. */
export function describeIssues(error: z.ZodError, root = ''): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
    const field = `${root}${path}`.replace(/^\./, '') || '(body)';
    return `${field}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '';
  return shown.join('; ') + more;
}

/** Parses a decoded JSON body; anything else is `ADMISSION_REVIEW_MALFORMED` (HTTP 400). */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const parsed = AdmissionReviewRequest.safeParse(body);
  if (!parsed.success) {
    throw new AdmissionError(
      'ADMISSION_REVIEW_MALFORMED',
      `not an AdmissionReview ${ADMISSION_API_VERSION} request: ${describeIssues(parsed.error)}`,
      { hint: 'the webhook accepts only AdmissionReview admission.k8s.io/v1 requests from the API server' },
    );
  }
  return parsed.data.request;
}

/** Bound on `status.message`: the API server and kubectl show it whole, so keep it readable. */
export const STATUS_MESSAGE_MAX_CHARS = 4000;

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: 403; message: string };
    warnings?: string[];
  };
}

/** Cuts a message to `max` code points, saying so. */
export function truncateMessage(message: string, max = STATUS_MESSAGE_MAX_CHARS): string {
  const chars = Array.from(message);
  if (chars.length <= max) return message;
  const note = ' … (truncated; see the webhook log)';
  return chars.slice(0, max - note.length).join('') + note;
}

/**
 * The response the API server accepts from a validating webhook: the request's uid, the exact
 * apiVersion and kind, never `patch`/`patchType`; `status` only on denial (it is ignored when allowed).
 */
export function buildAdmissionReview(
  uid: string,
  result: Pick<AdmissionResult, 'allowed' | 'message' | 'warnings'>,
): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: result.allowed };
  if (!result.allowed) {
    const message = result.message?.trim() ? result.message : 'denied by zastava';
    response.status = { code: 403, message: truncateMessage(message) };
  }
  const warnings = boundWarnings(result.warnings);
  if (warnings.length > 0) response.warnings = warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
