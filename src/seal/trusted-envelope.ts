import type { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { verifyEnvelope } from './dsse.ts';
import { SealError } from './errors.ts';
import { keyIdOf } from './keys.ts';
import type { TrustStore } from './trust.ts';

export interface OpenedEnvelope<T> {
  value: T;
  /** The key that verified the signature and whose window covers the payload's instants. */
  keyId: string;
}

export interface EnvelopeExpectation<T> {
  payloadType: string;
  schema: z.ZodType<T>;
  /** The instants the signing key must have been valid at (a seal's `sealedAt`). */
  instants: (value: T) => string[];
  /** Names the envelope in messages ("seal 1234… of facet os"). */
  what: string;
  /**
   * The RFC 8785 text of a schema-valid value, written for the schema's known shape (much cheaper than
   * the generic canonicaliser on a large payload). Defaults to `canonicalJson` of the parsed JSON.
   */
  canonical?: (value: T) => string;
  /** Told when each step ends ("signature", "parse", "canonical"): the benchmark's phase clock. */
  onPhase?: (phase: string) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * SPEC §7's first checks, in order: a trusted signature over the PAE; the payload type; parse only the
 * verified bytes (UTF-8, JSON, schema, canonical form); then the verifying key's validity window. The
 * window comes last because the instant it is checked at is inside the signed payload; nothing is
 * returned to the caller until it has passed.
 */
export function openTrustedEnvelope<T>(
  envelope: unknown,
  trust: TrustStore,
  expect: EnvelopeExpectation<T>,
): OpenedEnvelope<T> {
  const { what } = expect;
  const phase = expect.onPhase ?? noPhase;
  let verified;
  try {
    verified = verifyEnvelope(envelope, trust.allKeys());
  } catch (error) {
    if (error instanceof SealError && error.code === 'DSSE_SIGNATURE_UNTRUSTED') {
      throw new SealError('SEAL_SIGNATURE_UNTRUSTED', `${what}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  phase('signature');
  if (verified.payloadType !== expect.payloadType) {
    throw new SealError(
      'SEAL_PAYLOAD_TYPE',
      `${what}: payloadType ${JSON.stringify(verified.payloadType)} where ${expect.payloadType} is expected`,
    );
  }

  let text: string;
  let raw: unknown;
  try {
    text = utf8.decode(verified.payload);
    raw = JSON.parse(text);
  } catch (cause) {
    throw new SealError(
      'SEAL_PAYLOAD_INVALID',
      `${what}: the signed payload is not UTF-8 JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
  const parsed = expect.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SealError(
      'SEAL_PAYLOAD_INVALID',
      `${what}: the signed payload's field ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  phase('parse');
  // Canonical bytes have one reading: no duplicate keys for two parsers to resolve differently. A
  // `canonical` writer is only given with a strict schema that transforms nothing, so the schema-valid
  // value holds exactly what the parsed JSON held.
  let canonical: string;
  try {
    canonical = expect.canonical === undefined ? canonicalJson(raw) : expect.canonical(parsed.data);
  } catch (cause) {
    throw new SealError('SEAL_PAYLOAD_INVALID', `${what}: ${(cause as Error).message}`, { cause });
  }
  if (canonical !== text) {
    throw new SealError(
      'SEAL_PAYLOAD_NOT_CANONICAL',
      `${what}: the signed payload is not RFC 8785 canonical JSON`,
    );
  }
  phase('canonical');

  const instants = expect.instants(parsed.data);
  const valid = verified.keyIds.find((keyId) =>
    instants.every((instant) => trust.keysAt(instant).some((key) => keyIdOf(key) === keyId)),
  );
  if (valid === undefined) {
    throw new SealError(
      'SEAL_KEY_OUTSIDE_WINDOW',
      `${what}: signed by ${verified.keyIds.join(', ')}, which the keyring does not trust at ${instants.join(', ')}`,
      { hint: 'an archived key is accepted only for seals made inside its notBefore/notAfter window' },
    );
  }
  return { value: parsed.data, keyId: valid };
}

function noPhase(): void {}
