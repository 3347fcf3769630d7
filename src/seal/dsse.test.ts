import { createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNATURES, pae, signEnvelope, verifyEnvelope } from './dsse.ts';
import { createSigner } from './signer.ts';
import { generateKeyPair, keyIdOf } from './keys.ts';

/** The example in secure-systems-lab/dsse protocol.md ("Test Vectors"): ECDSA P-256, raw r‖s signature. */
const SPEC = {
  payloadType: 'http://example.com/HelloWorld',
  body: 'hello world',
  pae: 'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  x: 46950820868899156662930047687818585632848591499744589407958293238635476079160n,
  y: 5640078356564379163099075877009565129882514886557779369047442380624545832820n,
  envelope: {
    payload: 'aGVsbG8gd29ybGQ=',
    payloadType: 'http://example.com/HelloWorld',
    signatures: [
      { sig: 'A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==' },
    ],
  },
};
const coordinate = (n: bigint): string =>
  Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
const specKey = createPublicKey({
  key: { kty: 'EC', crv: 'P-256', x: coordinate(SPEC.x), y: coordinate(SPEC.y) },
  format: 'jwk',
});

describe('DSSE specification test vector (protocol.md)', () => {
  it('computes the PAE byte for byte', () => {
    expect(Buffer.from(pae(SPEC.payloadType, Buffer.from(SPEC.body))).toString('latin1')).toBe(SPEC.pae);
  });

  it('verifies the ECDSA P-256 r‖s signature and returns the verified payload', () => {
    const verified = verifyEnvelope(SPEC.envelope, [specKey]);
    expect(Buffer.from(verified.payload).toString()).toBe(SPEC.body);
    expect(verified.payloadType).toBe(SPEC.payloadType);
    expect(verified.keyId).toBe(keyIdOf(specKey));
  });

  it('rejects it under another key', () => {
    expect(() => verifyEnvelope(SPEC.envelope, [generateKeyPair('ecdsa-p256').publicKey])).toThrow(
      expect.objectContaining({ code: 'DSSE_SIGNATURE_UNTRUSTED' }),
    );
  });
});

interface Vector {
  id: string;
  envelope: unknown;
  trustedKeys: string[];
  threshold: number;
  supportedPayloadTypes: string[];
  pae: string;
  expect: 'accept' | 'reject';
}
const suite = JSON.parse(readFileSync(new URL('../../test/vectors/dsse.json', import.meta.url), 'utf8')) as {
  keys: Record<string, { public: string }>;
  vectors: Vector[];
};
const ed25519 = (hex: string) =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') },
    format: 'jwk',
  });

describe('DSSE test vectors (test/vectors/dsse.json: secure-systems-lab/dsse testvectors, RFC 8032 Ed25519 keys)', () => {
  for (const v of suite.vectors) {
    it(`${v.id}: ${v.expect}`, () => {
      const env = v.envelope as { payloadType: string; payload: string };
      const payload = Buffer.from(env.payload.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (v.expect === 'accept')
        expect(Buffer.from(pae(env.payloadType, payload)).toString('hex')).toBe(v.pae);
      const decide = (): boolean => {
        try {
          const verified = verifyEnvelope(
            v.envelope,
            v.trustedKeys.map((name) => ed25519(suite.keys[name]!.public)),
          );
          return (
            verified.keyIds.length >= v.threshold && v.supportedPayloadTypes.includes(verified.payloadType)
          );
        } catch {
          return false;
        }
      };
      expect(decide()).toBe(v.expect === 'accept');
    });
  }
});

describe('signEnvelope / verifyEnvelope', () => {
  const alice = generateKeyPair('ed25519');
  const bob = generateKeyPair('ecdsa-p256');
  const payload = Buffer.from('{"a":1}');

  it('round-trips with Ed25519 and ECDSA P-256, writing standard base64 and the keyid', async () => {
    for (const pair of [alice, bob]) {
      const env = await signEnvelope('application/x', payload, createSigner(pair.privateKey));
      expect(env.payload).toBe(payload.toString('base64'));
      expect(env.signatures[0]!.keyid).toBe(keyIdOf(pair.publicKey));
      const verified = verifyEnvelope(env, [alice.publicKey, bob.publicKey]);
      expect(Buffer.from(verified.payload)).toEqual(payload);
      expect(verified.keyId).toBe(keyIdOf(pair.publicKey));
    }
  });

  it('reads an envelope re-encoded in URL-safe base64 without padding', async () => {
    const env = await signEnvelope(
      'application/x',
      Buffer.from([0xfb, 0xff, 0xbf]),
      createSigner(alice.privateKey),
    );
    const urlSafe = (s: string) => Buffer.from(s, 'base64').toString('base64url');
    const rewritten = {
      ...env,
      payload: urlSafe(env.payload),
      signatures: [{ sig: urlSafe(env.signatures[0]!.sig) }],
    };
    expect(rewritten.payload).toBe('-_-_');
    expect(Buffer.from(verifyEnvelope(rewritten, [alice.publicKey]).payload)).toEqual(
      Buffer.from([0xfb, 0xff, 0xbf]),
    );
  });

  it('a lying keyid on a valid signature still verifies, and reports the key that verified', async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    const lie = { ...env, signatures: [{ keyid: keyIdOf(bob.publicKey), sig: env.signatures[0]!.sig }] };
    expect(verifyEnvelope(lie, [bob.publicKey, alice.publicKey]).keyId).toBe(keyIdOf(alice.publicKey));
  });

  it('a truthful keyid on a forged signature fails', async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    const forged = Buffer.from(env.signatures[0]!.sig, 'base64');
    forged[10]! ^= 1;
    const bad = { ...env, signatures: [{ keyid: keyIdOf(alice.publicKey), sig: forged.toString('base64') }] };
    expect(() => verifyEnvelope(bad, [alice.publicKey])).toThrow(
      expect.objectContaining({ code: 'DSSE_SIGNATURE_UNTRUSTED' }),
    );
  });

  it('tries every signature: a bad one first does not hide a good one', async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    const junk = { keyid: keyIdOf(alice.publicKey), sig: Buffer.alloc(64, 1).toString('base64') };
    expect(verifyEnvelope({ ...env, signatures: [junk, ...env.signatures] }, [alice.publicKey]).keyId).toBe(
      keyIdOf(alice.publicKey),
    );
  });

  it('binds the payload type: the same signature under another type fails', async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    expect(() => verifyEnvelope({ ...env, payloadType: 'application/y' }, [alice.publicKey])).toThrow(
      expect.objectContaining({ code: 'DSSE_SIGNATURE_UNTRUSTED' }),
    );
  });

  it('fails with no trusted keys at all', async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    expect(() => verifyEnvelope(env, [])).toThrow(
      expect.objectContaining({ code: 'DSSE_SIGNATURE_UNTRUSTED' }),
    );
  });

  it.each([
    ['not an object', 'envelope'],
    ['no signatures', { payloadType: 'a', payload: '', signatures: [] }],
    ['a missing payloadType', { payload: '', signatures: [{ sig: 'AA==' }] }],
  ])('refuses %s', (_what, envelope) => {
    expect(() => verifyEnvelope(envelope, [alice.publicKey])).toThrow(
      expect.objectContaining({ code: 'DSSE_ENVELOPE_INVALID' }),
    );
  });

  it(`reads at most ${MAX_SIGNATURES} signatures`, async () => {
    const env = await signEnvelope('application/x', payload, createSigner(alice.privateKey));
    const many = { ...env, signatures: Array.from({ length: MAX_SIGNATURES + 1 }, () => env.signatures[0]!) };
    expect(() => verifyEnvelope(many, [alice.publicKey])).toThrow(
      expect.objectContaining({ code: 'DSSE_ENVELOPE_INVALID' }),
    );
  });

  it('refuses an unpaired surrogate in the payload type (UTF-8 would make two types sign alike)', () => {
    expect(() => pae('a\ud800', payload)).toThrow(expect.objectContaining({ code: 'DSSE_ENVELOPE_INVALID' }));
  });

  it('accepts an IEEE-P1363 ECDSA signature as well as DER', () => {
    const message = pae('application/x', payload);
    const p1363 = sign('sha256', message, { key: bob.privateKey, dsaEncoding: 'ieee-p1363' });
    const env = {
      payloadType: 'application/x',
      payload: payload.toString('base64'),
      signatures: [{ sig: p1363.toString('base64') }],
    };
    expect(verifyEnvelope(env, [bob.publicKey]).keyId).toBe(keyIdOf(bob.publicKey));
  });
});
