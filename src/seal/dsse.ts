import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DsseEnvelope } from '../model/seal.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { SealError } from './errors.ts';
import { keyIdOf } from './keys.ts';
import { verifySignature, type Signer } from './signer.ts';

/**
 * DSSE v1 pre-authentication encoding (secure-systems-lab/dsse protocol.md):
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in bytes, in ASCII decimal.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  if (!payloadType.isWellFormed()) {
    // Encoding would replace the surrogate with U+FFFD, so two different types would sign alike.
    throw new SealError('DSSE_ENVELOPE_INVALID', 'payloadType holds an unpaired UTF-16 surrogate');
  }
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

/** One signature by `signer` over the PAE; base64 written standard (SPEC §7). */
export async function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signer: Signer,
): Promise<DsseEnvelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return {
    payloadType,
    payload: encodeBase64(payload),
    signatures: [{ keyid: signer.keyId, sig: encodeBase64(sig) }],
  };
}

/**
 * `signEnvelope` for a payload held as text (a canonical JSON payload): the PAE is encoded into one
 * buffer and the payload is a view of it, so a 50 MB payload is encoded once and never copied (instead
 * of encoded, then copied into the PAE). The same envelope as `signEnvelope(type, utf8(text), signer)`.
 */
export async function signEnvelopeText(
  payloadType: string,
  text: string,
  signer: Signer,
): Promise<DsseEnvelope> {
  if (!payloadType.isWellFormed() || !text.isWellFormed()) {
    throw new SealError('DSSE_ENVELOPE_INVALID', 'payloadType or payload holds an unpaired UTF-16 surrogate');
  }
  const bodyBytes = Buffer.byteLength(text, 'utf8');
  const prefix = `DSSEv1 ${Buffer.byteLength(payloadType, 'utf8')} ${payloadType} ${bodyBytes} `;
  const prefixBytes = Buffer.byteLength(prefix, 'utf8');
  const message = Buffer.allocUnsafe(prefixBytes + bodyBytes);
  message.write(prefix, 0, 'utf8');
  message.write(text, prefixBytes, 'utf8');
  const sig = await signer.sign(message);
  return {
    payloadType,
    payload: encodeBase64(message.subarray(prefixBytes)),
    signatures: [{ keyid: signer.keyId, sig: encodeBase64(sig) }],
  };
}

export interface VerifiedEnvelope {
  payloadType: string;
  /** The verified bytes: the only thing a caller may read from the envelope. */
  payload: Uint8Array;
  /** `sha256:` id of the first key that verified a signature (a hinted key is tried first). */
  keyId: string;
  /** Every distinct key that verified some signature, `keyId` first. */
  keyIds: string[];
}

/**
 * A DSSE envelope whose payload is any string: `decodeBase64` checks the payload completely right after
 * (DSSE_BASE64_INVALID), so the schema's regular expression over a multi-megabyte payload is not run
 * twice. Parsed with it, an envelope is a `DsseEnvelope` once its payload has decoded.
 */
export const DsseEnvelopeShape = DsseEnvelope.extend({ payload: z.string() });

/** Each signature costs one verification per candidate key over the whole payload: bound the work. */
export const MAX_SIGNATURES = 16;

/**
 * Verifies a DSSE envelope against trusted public keys. Every signature is tried against every key:
 * `keyid` only decides which key is tried first, it is unauthenticated and never a trust decision.
 * Throws DSSE_SIGNATURE_UNTRUSTED when no trusted key verifies any signature. The payload type is
 * returned, not checked: that is the caller's next step (DSSE protocol, "To verify").
 */
export function verifyEnvelope(envelope: unknown, trustedKeys: readonly KeyObject[]): VerifiedEnvelope {
  const parsed = DsseEnvelopeShape.safeParse(envelope);
  if (!parsed.success) {
    throw new SealError(
      'DSSE_ENVELOPE_INVALID',
      `not a DSSE envelope: ${parsed.error.issues[0]?.message ?? ''}`,
      {
        cause: parsed.error,
      },
    );
  }
  const { payloadType, signatures } = parsed.data;
  if (signatures.length > MAX_SIGNATURES) {
    throw new SealError(
      'DSSE_ENVELOPE_INVALID',
      `${signatures.length} signatures; at most ${MAX_SIGNATURES} are read`,
    );
  }
  const payload = decodeBase64(parsed.data.payload, 'the envelope payload');
  const message = pae(payloadType, payload);
  const keys = trustedKeys.map((key) => ({ key, keyId: keyIdOf(key) }));

  const keyIds: string[] = [];
  signatures.forEach((signature, i) => {
    const sig = decodeBase64(signature.sig, `signature ${i}`);
    const candidates = [
      ...keys.filter((k) => k.keyId === signature.keyid),
      ...keys.filter((k) => k.keyId !== signature.keyid),
    ];
    const verifier = candidates.find((k) => verifySignature(k.key, message, sig));
    if (verifier !== undefined && !keyIds.includes(verifier.keyId)) keyIds.push(verifier.keyId);
  });
  if (keyIds.length === 0) {
    throw new SealError(
      'DSSE_SIGNATURE_UNTRUSTED',
      `none of the ${signatures.length} signature(s) verifies with any of the ${keys.length} trusted key(s)`,
    );
  }
  return { payloadType, payload, keyId: keyIds[0]!, keyIds };
}
