import { ZastavaError } from '../model/errors.ts';

/**
 * `ADMISSION_REVIEW_MALFORMED`: the body is not an AdmissionReview admission.k8s.io/v1 request, or its
 * object is not the kind it claims; the HTTP adapter answers 400.
 * `ADMISSION_IMAGE_REF_INVALID`: a container's image is not a reference the kubelet could pull.
 * `ADMISSION_DEADLINE_EXCEEDED`: the internal deadline (webhook `timeoutSeconds` minus a margin) passed.
 * `ADMISSION_IMAGE_UNSEALED`: no seals for the image, and extraction in the webhook is off or found none.
 * `ADMISSION_BASELINE_UNSEALED`: the approved baseline digest has no seals in the store.
 * `ADMISSION_RECORD_FAILED`: the decision could not be written to drift history and the audit log.
 * `ADMISSION_INTERNAL`: an unexpected failure (a bug or an infrastructure error without a code).
 * `ADMISSION_EXTRACTION_BUSY`: extraction on a miss is at its concurrency and queue limits.
 * `ADMISSION_SEAL_KEY_UNTRUSTED`: the tenant's keyring does not trust the webhook's seal key, so the
 * seals of an extraction on a miss would be refused; nothing is extracted.
 * `ADMISSION_EXTRACTION_BACKOFF`: the last extraction on a miss of this (tenant, digest) failed, and its
 * backoff has not passed; the message says when it failed, with which code, and when it is retried.
 */
export type AdmissionErrorCode =
  | 'ADMISSION_REVIEW_MALFORMED'
  | 'ADMISSION_IMAGE_REF_INVALID'
  | 'ADMISSION_DEADLINE_EXCEEDED'
  | 'ADMISSION_IMAGE_UNSEALED'
  | 'ADMISSION_BASELINE_UNSEALED'
  | 'ADMISSION_RECORD_FAILED'
  | 'ADMISSION_INTERNAL'
  | 'ADMISSION_EXTRACTION_BUSY'
  | 'ADMISSION_SEAL_KEY_UNTRUSTED'
  | 'ADMISSION_EXTRACTION_BACKOFF';

export class AdmissionError extends ZastavaError<AdmissionErrorCode> {}
