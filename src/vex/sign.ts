import canonicalize from 'canonicalize';
import type { DsseEnvelope } from '../model/seal.ts';
import { signEnvelope, type Signer } from '../seal/index.ts';
import { VexError } from './errors.ts';
import { OPENVEX_PAYLOAD_TYPE, OpenVexDocument } from './schema.ts';

/** Validates the document and wraps its canonical JSON (RFC 8785) in a DSSE envelope. */
export async function signVex(
  document: unknown,
  signer: Signer,
  origin = 'the VEX document',
): Promise<DsseEnvelope> {
  const parsed = parseVexDocument(document, origin);
  return signEnvelope(OPENVEX_PAYLOAD_TYPE, Buffer.from(canonicalize(parsed)!, 'utf8'), signer);
}

export function parseVexDocument(document: unknown, origin: string): OpenVexDocument {
  const parsed = OpenVexDocument.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VexError(
      'VEX_DOCUMENT_INVALID',
      `${origin}: ${issue.path.join('.') || '(document)'}: ${issue.message}`,
      {
        hint: 'an OpenVEX v0.2.0 document, as `stella vex gen` writes it',
      },
    );
  }
  return parsed.data;
}
