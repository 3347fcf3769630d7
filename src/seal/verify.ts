import { z } from 'zod';
import type { QuotaLimits } from '../model/facet.ts';
import { FacetFileEntry, FacetManifest } from '../model/manifest.ts';
import {
  FacetRootStatement,
  FacetSeal,
  FacetSealPayload,
  ROOT_PAYLOAD_TYPE,
  SEAL_PAYLOAD_TYPE,
} from '../model/seal.ts';
import { canonicalSealPayload } from './canonical-payload.ts';
import { DsseEnvelopeShape } from './dsse.ts';
import { SealError } from './errors.ts';
import { checkManifest } from './manifest-check.ts';
import { rootStatementOf } from './seal.ts';
import { openTrustedEnvelope } from './trusted-envelope.ts';
import type { TrustStore } from './trust.ts';

export interface VerifiedSeal {
  /**
   * The seal as given, parsed; its unsigned fields have been checked against the payload, and its
   * manifest's entries are the signed ones (equal, field by field, to the unsigned copy).
   */
  seal: FacetSeal;
  /** Read from the verified bytes only. */
  payload: FacetSealPayload;
  /** `sha256:` id of the key that verified the signature. */
  keyId: string;
  /**
   * The RFC 8785 text of the signed `files` array, exactly as it stands in the verified payload: the
   * store writes its CAS manifest around it instead of serialising 10,000 entries again.
   */
  canonicalFiles: string;
}

export interface VerifySealOptions {
  /** Refuse a seal of any other facet (SEAL_FACET_MISMATCH). */
  facetId?: string;
  /**
   * Told when each step ends (`verify.shape`, `verify.signature`, `verify.parse`, `verify.canonical`,
   * `verify.merkle`, `verify.outer`): the store benchmark's phase clock.
   */
  onPhase?: (phase: string) => void;
}

/**
 * The seal's shape, but for two parts that are checked completely later, more cheaply: the entries of
 * the unsigned manifest copy are compared field by field with the signed, schema-valid entries (one
 * schema pass over 10,000 entries instead of two), and the envelope's payload is checked when decoded.
 */
const SealShape = FacetSeal.extend({
  manifest: FacetManifest.extend({ files: z.array(z.unknown()) }),
  envelope: DsseEnvelopeShape,
});

/**
 * SPEC §7's checks, in order, each failure with its own code: the seal's shape (SEAL_INVALID); a
 * trusted signature over the PAE; the payload type; the verified bytes parsed; the key's window at
 * `sealedAt`; the Merkle root recomputed from the files; `fileCount` and `totalBytes`; the facet id;
 * the unsigned outer copy against the payload; the root envelope, when present, against the payload.
 */
export function verifySeal(input: unknown, trust: TrustStore, options: VerifySealOptions = {}): VerifiedSeal {
  const phase = options.onPhase ?? noPhase;
  const shape = SealShape.safeParse(input);
  if (!shape.success) throw notASeal(shape.error);
  const outer = shape.data;
  const what = `seal ${outer.sealId} (facet ${outer.manifest.facetId})`;
  phase('verify.shape');

  let canonicalFiles = '';
  const { value: payload, keyId } = openTrustedEnvelope(outer.envelope, trust, {
    payloadType: SEAL_PAYLOAD_TYPE,
    schema: FacetSealPayload,
    instants: (p) => [p.sealedAt],
    what,
    canonical: (p) => {
      const written = canonicalSealPayload(p);
      canonicalFiles = written.files;
      return written.text;
    },
    onPhase: (step) => phase(`verify.${step}`),
  });

  checkManifest(payload.manifest, `${what}, signed manifest`);
  phase('verify.merkle');

  if (payload.facetId !== outer.manifest.facetId || payload.facetType !== outer.manifest.type) {
    throw new SealError(
      'SEAL_FACET_MISMATCH',
      `${what}: the signed payload is of facet ${payload.facetId} (${payload.facetType}), the seal says ${outer.manifest.facetId} (${outer.manifest.type})`,
    );
  }
  if (options.facetId !== undefined && payload.facetId !== options.facetId) {
    throw new SealError(
      'SEAL_FACET_MISMATCH',
      `${what}: a seal of facet ${payload.facetId} where ${options.facetId} is expected`,
    );
  }

  checkOuterCopy(outer, payload, what);
  // The payload decoded, so the envelope is a DsseEnvelope; the entries are the signed ones.
  const seal: FacetSeal = {
    ...outer,
    manifest: { ...outer.manifest, files: payload.manifest.files },
    envelope: outer.envelope,
  };

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
  phase('verify.outer');
  return { seal, payload, keyId, canonicalFiles };
}

function noPhase(): void {}

function notASeal(error: z.ZodError, prefix: (string | number)[] = []): SealError {
  const issue = error.issues[0];
  const path = [...prefix, ...(issue?.path ?? [])].map(String).join('.');
  return new SealError(
    'SEAL_INVALID',
    `not a seal: field ${path || '(top level)'}: ${issue?.message ?? ''}`,
    {
      cause: error,
    },
  );
}

type SealOuterCopy = z.infer<typeof SealShape>;

/** Everything outside the envelope is a convenience copy: it must say exactly what was signed. */
function checkOuterCopy(seal: SealOuterCopy, payload: FacetSealPayload, what: string): void {
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
  const signedFiles = payload.manifest.files;
  for (let i = 0; i < signedFiles.length; i++) {
    const field = differingField(outerFiles[i], signedFiles[i]!);
    if (field === undefined) continue;
    // Not parsed before: an entry that is not even an entry is SEAL_INVALID, as the schema would say.
    const entry = FacetFileEntry.safeParse(outerFiles[i]);
    if (!entry.success) throw notASeal(entry.error, ['manifest', 'files', i]);
    const outer = (outerFiles[i] as Record<string, unknown>)[field];
    mismatch(`manifest.files[${i}].${field}`, outer, (signedFiles[i] as Record<string, unknown>)[field]);
  }
}

const ENTRY_FIELDS = ['path', 'type', 'contentHash', 'size', 'mode', 'modTime', 'linkTarget'] as const;
const ENTRY_FIELD_SET: ReadonlySet<string> = new Set(ENTRY_FIELDS);

/**
 * The first member in which an unsigned entry differs from the signed one: a field of another value, or
 * a member the schema does not know (the schema is strict). Undefined when they are equal, which makes
 * the unsigned entry exactly as valid as the schema-valid signed one.
 */
function differingField(outer: unknown, signed: FacetFileEntry): string | undefined {
  if (typeof outer !== 'object' || outer === null || Array.isArray(outer)) return 'path';
  const entry = outer as Record<string, unknown>;
  for (const k of ENTRY_FIELDS) if (entry[k] !== signed[k]) return k;
  for (const k of Object.keys(entry)) if (!ENTRY_FIELD_SET.has(k)) return k;
  return undefined;
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
