import { z } from 'zod';
import { FacetSealPayload, SEAL_PREDICATE_TYPE, type DsseEnvelope, type FacetSeal } from '../model/seal.ts';
import { decodeBase64 } from './base64.ts';
import { canonicalBytes } from './canonical.ts';
import { signEnvelope } from './dsse.ts';
import { SealError } from './errors.ts';
import type { Signer } from './signer.ts';
import { openTrustedEnvelope } from './trusted-envelope.ts';
import type { TrustStore } from './trust.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** in-toto Statement v1 carrying an image's seal payloads, for cosign / Kyverno / policy-controller users. */
export const FacetSealStatement = z.strictObject({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        digest: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      }),
    )
    .length(1),
  predicateType: z.literal(SEAL_PREDICATE_TYPE),
  predicate: z.strictObject({ seals: z.array(FacetSealPayload) }),
});
export type FacetSealStatement = z.infer<typeof FacetSealStatement>;

/**
 * The subject name: the reference without its tag or digest (`registry/repo:tag@sha256:…` →
 * `registry/repo`), which is how cosign names attestation subjects. A `:` before the last `/` is a
 * registry port or a transport prefix and stays.
 */
export function subjectName(imageRef: string): string {
  const withoutDigest = imageRef.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * The payload inside a seal's envelope, decoded WITHOUT verifying the signature: for seals this
 * process has just made or has already passed through `verifySeal`.
 */
export function sealPayloadOf(seal: FacetSeal): FacetSealPayload {
  const bytes = decodeBase64(seal.envelope.payload, `the payload of seal ${seal.sealId}`);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new SealError('SEAL_PAYLOAD_INVALID', `seal ${seal.sealId}: the payload is not JSON`, { cause });
  }
  const parsed = FacetSealPayload.safeParse(raw);
  if (!parsed.success) {
    throw new SealError('SEAL_PAYLOAD_INVALID', `seal ${seal.sealId}: the payload is not a seal payload`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function buildInTotoStatement(set: {
  imageRef: string;
  imageDigest: string;
  seals: readonly FacetSeal[];
}): FacetSealStatement {
  const seals = set.seals.map(sealPayloadOf);
  const stray = seals.find((p) => p.imageDigest !== set.imageDigest);
  if (stray !== undefined) {
    throw new SealError(
      'INTOTO_INVALID',
      `seal ${stray.sealId} is of image ${stray.imageDigest}, not of the statement's subject ${set.imageDigest}`,
    );
  }
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      { name: subjectName(set.imageRef), digest: { sha256: set.imageDigest.replace(/^sha256:/, '') } },
    ],
    predicateType: SEAL_PREDICATE_TYPE,
    predicate: { seals },
  };
  const parsed = FacetSealStatement.safeParse(statement);
  if (!parsed.success) {
    throw new SealError(
      'INTOTO_INVALID',
      `cannot build the statement: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/** The statement in canonical JSON, in a DSSE envelope of payloadType `application/vnd.in-toto+json`. */
export function signInTotoStatement(statement: FacetSealStatement, signer: Signer): Promise<DsseEnvelope> {
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), signer);
}

/** Checks an in-toto envelope as a seal's: trusted key, type, verified bytes, key valid at every `sealedAt`. */
export function verifyInTotoEnvelope(
  envelope: unknown,
  trust: TrustStore,
): { statement: FacetSealStatement; keyId: string } {
  const { value, keyId } = openTrustedEnvelope(envelope, trust, {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    schema: FacetSealStatement,
    instants: (s) => s.predicate.seals.map((p) => p.sealedAt),
    what: 'the in-toto statement',
  });
  return { statement: value, keyId };
}
