import type { QuotaLimits } from '../model/facet.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import {
  FacetRootStatement,
  FacetSeal,
  FacetSealPayload,
  ROOT_PAYLOAD_TYPE,
  SEAL_PAYLOAD_TYPE,
} from '../model/seal.ts';
import { SealError } from './errors.ts';
import { checkManifest } from './manifest-check.ts';
import { rootStatementOf } from './seal.ts';
import { openTrustedEnvelope } from './trusted-envelope.ts';
import type { TrustStore } from './trust.ts';

export interface VerifiedSeal {
  /** The seal as given, parsed; its unsigned fields have been checked against the payload. */
  seal: FacetSeal;
  /** Read from the verified bytes only. */
  payload: FacetSealPayload;
  /** `sha256:` id of the key that verified the signature. */
  keyId: string;
}

export interface VerifySealOptions {
  /** Refuse a seal of any other facet (SEAL_FACET_MISMATCH). */
  facetId?: string;
}

/**
 * SPEC §7's checks, in order, each failure with its own code: the seal's shape (SEAL_INVALID); a
 * trusted signature over the PAE; the payload type; the verified bytes parsed; the key's window at
 * `sealedAt`; the Merkle root recomputed from the files; `fileCount` and `totalBytes`; the facet id;
 * the unsigned outer copy against the payload; the root envelope, when present, against the payload.
 */
export function verifySeal(input: unknown, trust: TrustStore, options: VerifySealOptions = {}): VerifiedSeal {
  const shape = FacetSeal.safeParse(input);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    throw new SealError(
      'SEAL_INVALID',
      `not a seal: field ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? ''}`,
      {
        cause: shape.error,
      },
    );
  }
  const seal = shape.data;
  const what = `seal ${seal.sealId} (facet ${seal.manifest.facetId})`;

  const { value: payload, keyId } = openTrustedEnvelope(seal.envelope, trust, {
    payloadType: SEAL_PAYLOAD_TYPE,
    schema: FacetSealPayload,
    instants: (p) => [p.sealedAt],
    what,
  });

  checkManifest(payload.manifest, `${what}, signed manifest`);

  if (payload.facetId !== seal.manifest.facetId || payload.facetType !== seal.manifest.type) {
    throw new SealError(
      'SEAL_FACET_MISMATCH',
      `${what}: the signed payload is of facet ${payload.facetId} (${payload.facetType}), the seal says ${seal.manifest.facetId} (${seal.manifest.type})`,
    );
  }
  if (options.facetId !== undefined && payload.facetId !== options.facetId) {
    throw new SealError(
      'SEAL_FACET_MISMATCH',
      `${what}: a seal of facet ${payload.facetId} where ${options.facetId} is expected`,
    );
  }

  checkOuterCopy(seal, payload, what);

  if (seal.rootEnvelope !== undefined) {
    const { value: statement } = openTrustedEnvelope(seal.rootEnvelope, trust, {
      payloadType: ROOT_PAYLOAD_TYPE,
      schema: FacetRootStatement,
      instants: (s) => [s.sealedAt],
      what: `${what}, root envelope`,
    });
    const expected = rootStatementOf(payload);
    const field = (Object.keys(expected) as (keyof FacetRootStatement)[]).find(
      (k) => statement[k] !== expected[k],
    );
    if (field !== undefined) {
      throw new SealError(
        'SEAL_ROOT_MISMATCH',
        `${what}: the signed root statement's ${field} is ${JSON.stringify(statement[field])}, the payload's ${JSON.stringify(expected[field])}`,
      );
    }
  }
  return { seal, payload, keyId };
}

/** Everything outside the envelope is a convenience copy: it must say exactly what was signed. */
function checkOuterCopy(seal: FacetSeal, payload: FacetSealPayload, what: string): void {
  const mismatch = (field: string, outer: unknown, signed: unknown): never => {
    throw new SealError(
      'SEAL_OUTER_MISMATCH',
      `${what}: ${field} is ${JSON.stringify(outer)} outside the envelope but ${JSON.stringify(signed)} in the signed payload`,
    );
  };
  const pairs: [string, unknown, unknown][] = [
    ['sealId', seal.sealId, payload.sealId],
    ['imageRef', seal.imageRef, payload.imageRef],
    ['imageDigest', seal.imageDigest, payload.imageDigest],
    ['configDigest', seal.configDigest, payload.configDigest],
    ['sealedAt', seal.sealedAt, payload.sealedAt],
    ['sealedBy', seal.sealedBy, payload.sealedBy],
    ['manifest.merkleRoot', seal.manifest.merkleRoot, payload.manifest.merkleRoot],
    ['manifest.fileCount', seal.manifest.fileCount, payload.manifest.fileCount],
    ['manifest.totalBytes', seal.manifest.totalBytes, payload.manifest.totalBytes],
    ['manifest.extractedAt', seal.manifest.extractedAt, payload.manifest.extractedAt],
    ['manifest.extractorVersion', seal.manifest.extractorVersion, payload.manifest.extractorVersion],
    ['manifest.files.length', seal.manifest.files.length, payload.manifest.files.length],
  ];
  for (const [field, outer, signed] of pairs) if (outer !== signed) mismatch(field, outer, signed);
  if (!sameQuota(seal.appliedQuota, payload.quota))
    mismatch('appliedQuota', seal.appliedQuota, payload.quota);
  const outerFiles = seal.manifest.files;
  payload.manifest.files.forEach((signed, i) => {
    const field = differingField(outerFiles[i]!, signed);
    if (field !== undefined) mismatch(`manifest.files[${i}].${field}`, outerFiles[i]![field], signed[field]);
  });
}

const ENTRY_FIELDS = ['path', 'type', 'contentHash', 'size', 'mode', 'modTime', 'linkTarget'] as const;

function differingField(a: FacetFileEntry, b: FacetFileEntry): (typeof ENTRY_FIELDS)[number] | undefined {
  return ENTRY_FIELDS.find((k) => a[k] !== b[k]);
}

const QUOTA_FIELDS = [
  'maxChurnPercent',
  'maxChangedFiles',
  'maxAddedFiles',
  'maxRemovedFiles',
  'onExceed',
] as const;

function sameQuota(a: QuotaLimits | null, b: QuotaLimits | null): boolean {
  if (a === null || b === null) return a === b;
  return QUOTA_FIELDS.every((k) => a[k] === b[k]);
}
