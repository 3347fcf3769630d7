import { keyIdOf, verifyEnvelope, type TrustStore } from '../seal/index.ts';
import { isZastavaError } from '../model/errors.ts';
import { PLACEHOLDER_MARKER, driftUrn, type DriftBinding } from './acknowledgement.ts';
import { VexError, type VexErrorCode } from './errors.ts';
import { OPENVEX_PAYLOAD_TYPE, OpenVexDocument } from './schema.ts';

export type VexAdmission =
  | { readonly acknowledged: true; readonly documentId: string; readonly keyId: string }
  | { readonly acknowledged: false; readonly code: VexErrorCode; readonly reason: string };

/**
 * Does this signed OpenVEX document acknowledge exactly this drift (SPEC §11, §12)? Checks, in order: a
 * trusted signature (only the verified bytes are read), the payload type, the schema, the signing key's
 * validity at the document's timestamp, then a `not_affected` statement naming this facet's drift
 * (facet id and both Merkle roots) for a product whose digest is this image's, with a real impact
 * statement or justification — never the draft placeholder. Returns the reason instead of throwing: the
 * webhook turns it into a denial message.
 */
export function verifyVexForAdmission(
  envelope: unknown,
  trust: TrustStore,
  binding: DriftBinding,
): VexAdmission {
  try {
    return { acknowledged: true, ...checkVex(envelope, trust, binding) };
  } catch (error) {
    if (error instanceof VexError) return { acknowledged: false, code: error.code, reason: error.message };
    if (isZastavaError(error))
      return { acknowledged: false, code: 'VEX_SIGNATURE_UNTRUSTED', reason: error.message };
    throw error;
  }
}

function checkVex(
  envelope: unknown,
  trust: TrustStore,
  binding: DriftBinding,
): { documentId: string; keyId: string } {
  const verified = verifyEnvelope(envelope, trust.allKeys());
  if (verified.payloadType !== OPENVEX_PAYLOAD_TYPE) {
    throw new VexError(
      'VEX_PAYLOAD_TYPE',
      `payloadType is ${JSON.stringify(verified.payloadType)}, expected ${OPENVEX_PAYLOAD_TYPE}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(verified.payload).toString('utf8'));
  } catch {
    throw new VexError('VEX_DOCUMENT_INVALID', 'the signed payload is not JSON');
  }
  const parsed = OpenVexDocument.safeParse(json);
  if (!parsed.success) {
    throw new VexError(
      'VEX_DOCUMENT_INVALID',
      `the signed document is not OpenVEX v0.2.0: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  const doc = parsed.data;
  const at = new Date(doc.timestamp).toISOString();
  const validIds = new Set(trust.keysAt(at).map((k) => keyIdOf(k)));
  const keyId = verified.keyIds.find((id) => validIds.has(id));
  if (keyId === undefined) {
    throw new VexError(
      'VEX_KEY_NOT_VALID_AT_TIMESTAMP',
      `the signing key was not valid at the document's timestamp ${doc.timestamp}`,
    );
  }

  const urn = driftUrn(binding);
  let placeholder = false;
  for (const s of doc.statements) {
    if (s.status !== 'not_affected' || s.vulnerability.name !== urn) continue;
    if (s.vulnerability['@id'] !== undefined && s.vulnerability['@id'] !== urn) continue;
    if (
      !(s.products ?? []).some((p) => productDigest(p['@id'] ?? p.identifiers?.purl) === binding.imageDigest)
    )
      continue;
    if (`${s.impact_statement ?? ''}`.includes(PLACEHOLDER_MARKER)) {
      placeholder = true;
      continue;
    }
    if (s.justification === undefined && !s.impact_statement?.trim()) continue;
    return { documentId: doc['@id'], keyId };
  }
  if (placeholder) {
    throw new VexError(
      'VEX_PLACEHOLDER_IMPACT',
      `the acknowledgement of facet ${binding.facetId} still holds the draft's placeholder impact statement`,
      {
        hint: 'replace the impact_statement with the reason this drift is acceptable, then sign again',
      },
    );
  }
  throw new VexError(
    'VEX_NOT_BOUND_TO_DRIFT',
    `no not_affected statement for ${urn} on image ${binding.imageDigest}`,
    { hint: `stella vex gen --from-drift BASE CUR drafts one for this drift` },
  );
}

/** The digest of a `pkg:oci/NAME@DIGEST` purl (the colon may be written `%3A`). */
export function productDigest(purl: string | undefined): string | undefined {
  const m = /^pkg:oci\/[^@?#]+@([^?#]+)/.exec(purl ?? '');
  return m ? decodeURIComponent(m[1]!) : undefined;
}
