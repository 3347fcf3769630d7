import { randomUUID } from 'node:crypto';
import type { QuotaLimits } from '../model/facet.ts';
import type { FacetManifest } from '../model/manifest.ts';
import {
  FacetSealPayload,
  ROOT_PAYLOAD_TYPE,
  ROOT_STATEMENT_TYPE,
  SEAL_PAYLOAD_TYPE,
  SEAL_PREDICATE_TYPE,
  type FacetRootStatement,
  type FacetSeal,
} from '../model/seal.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import { canonicalBytes } from './canonical.ts';
import { canonicalSealPayload } from './canonical-payload.ts';
import { signEnvelope, signEnvelopeText } from './dsse.ts';
import { SealError } from './errors.ts';
import { checkManifest } from './manifest-check.ts';
import type { Signer } from './signer.ts';

export interface SealRequest {
  manifest: FacetManifest;
  imageRef: string;
  imageDigest: string;
  configDigest: string;
  /** The quota applied to this facet, recorded in the seal (seed §5 `quota`). */
  quota: QuotaLimits | null;
  sealedBy: string;
  /** Defaults to a random UUID. */
  sealId?: string;
  /** Defaults to now (`Date#toISOString`). */
  sealedAt?: string;
  /** `manifest.files` as RFC 8785 text, when the caller made it with the entries (`canonicalSealPayload`). */
  filesJson?: string;
}

/**
 * The signed payload (seed §5 plus `configDigest`): the manifest without its facet id and type, which
 * sit at the top. Files are copied field by field so no `undefined` member reaches canonical JSON.
 */
export function buildSealPayload(
  request: SealRequest & { sealId: string; sealedAt: string },
): FacetSealPayload {
  const { manifest } = request;
  const candidate = {
    _type: SEAL_PREDICATE_TYPE,
    configDigest: request.configDigest,
    facetId: manifest.facetId,
    facetType: manifest.type,
    imageDigest: request.imageDigest,
    imageRef: request.imageRef,
    manifest: {
      extractedAt: manifest.extractedAt,
      extractorVersion: manifest.extractorVersion,
      fileCount: manifest.fileCount,
      files: manifest.files.map((f) => {
        const { path, type, contentHash, size, mode, modTime } = f;
        return f.linkTarget === undefined
          ? { path, type, contentHash, size, mode, modTime }
          : { path, type, contentHash, size, mode, modTime, linkTarget: f.linkTarget };
      }),
      merkleRoot: manifest.merkleRoot,
      totalBytes: manifest.totalBytes,
    },
    quota: request.quota,
    sealId: request.sealId,
    sealedAt: request.sealedAt,
    sealedBy: request.sealedBy,
  };
  // Fast path: the files by a check that accepts only what FacetFileEntry accepts (a test holds it to
  // that), the rest by the schema. Parsing 200k files with zod costs ~0.4 s of CPU; this ~30 ms. Any
  // doubt falls through to the full parse below, which gives the exact error.
  const files = candidate.manifest.files;
  if (files.every(isPlainValidEntry)) {
    // Without zod's JIT: it compiles a parser per schema on first use (~4 ms in a fresh process), never
    // paid back by the handful of heads an image's seals parse.
    const head = FacetSealPayload.safeParse(
      { ...candidate, manifest: { ...candidate.manifest, files: [] } },
      { jitless: true },
    );
    if (head.success) return { ...head.data, manifest: { ...head.data.manifest, files } };
  }
  const parsed = FacetSealPayload.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SealError(
      'SEAL_INPUT_INVALID',
      `cannot seal facet ${manifest.facetId}: field ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const MODE = /^[0-7]{4}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * True only for an entry that `FacetFileEntry` accepts (model/manifest.ts; seal-payload.test.ts checks
 * the implication on random entries). False means "ask the schema", not "invalid".
 */
export function isPlainValidEntry(e: FacetFileEntry): boolean {
  // Modes and timestamps repeat across an image's files: the last good one is remembered.
  if (e.modTime !== lastInstant || e.mode !== lastMode) {
    if (typeof e.modTime !== 'string' || !INSTANT.test(e.modTime)) return false;
    if (typeof e.mode !== 'string' || !MODE.test(e.mode)) return false;
    lastInstant = e.modTime;
    lastMode = e.mode;
  }
  return (
    typeof e.path === 'string' &&
    e.path.startsWith('/') &&
    (e.type === 'file'
      ? e.linkTarget === undefined
      : e.type === 'symlink' && typeof e.linkTarget === 'string') &&
    typeof e.contentHash === 'string' &&
    SHA256.test(e.contentHash) &&
    Number.isSafeInteger(e.size) &&
    e.size >= 0
  );
}
let lastInstant = '2000-01-01T00:00:00.000Z';
let lastMode = '0644';

/** The payload's identity and root, without files: what inclusion proofs verify against. */
export function rootStatementOf(payload: FacetSealPayload): FacetRootStatement {
  return {
    _type: ROOT_STATEMENT_TYPE,
    configDigest: payload.configDigest,
    facetId: payload.facetId,
    facetType: payload.facetType,
    fileCount: payload.manifest.fileCount,
    imageDigest: payload.imageDigest,
    imageRef: payload.imageRef,
    merkleRoot: payload.manifest.merkleRoot,
    sealId: payload.sealId,
    sealedAt: payload.sealedAt,
    sealedBy: payload.sealedBy,
    totalBytes: payload.manifest.totalBytes,
  };
}

/**
 * Seals one facet's manifest: the payload in RFC 8785 JSON in a DSSE envelope, plus a second envelope
 * over its root statement (docs/decisions.md). A manifest whose root or counts do not match its files
 * is refused: signing it would produce a seal that no verifier accepts.
 */
export async function sealManifest(request: SealRequest, signer: Signer): Promise<FacetSeal> {
  try {
    checkManifest(request.manifest, `the manifest of facet ${request.manifest.facetId}`);
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    throw new SealError('SEAL_MANIFEST_INCONSISTENT', `refusing to seal: ${error.message}`, { cause: error });
  }
  return sealCheckedManifest(request, signer);
}

/**
 * `sealManifest` without recomputing the manifest's root: for a manifest whose root, counts and order
 * were computed from these very files a moment ago (`sealImage`), where the check would hash every leaf
 * a second time (~0.5 s of CPU for 200k files). Everything else is validated as in `sealManifest`.
 */
export async function sealCheckedManifest(request: SealRequest, signer: Signer): Promise<FacetSeal> {
  const sealId = request.sealId ?? randomUUID();
  const sealedAt = request.sealedAt ?? new Date().toISOString();
  const payload = buildSealPayload({ ...request, sealId, sealedAt });
  const envelope = await signEnvelopeText(
    SEAL_PAYLOAD_TYPE,
    canonicalSealPayload(payload, request.filesJson).text,
    signer,
  );
  const rootEnvelope = await signEnvelope(
    ROOT_PAYLOAD_TYPE,
    canonicalBytes(rootStatementOf(payload)),
    signer,
  );
  return {
    sealId,
    imageRef: request.imageRef,
    imageDigest: request.imageDigest,
    configDigest: request.configDigest,
    manifest: request.manifest,
    sealedAt,
    sealedBy: request.sealedBy,
    appliedQuota: request.quota,
    envelope,
    rootEnvelope,
  };
}
