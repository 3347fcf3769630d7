import { describe, expect, it } from 'vitest';
import { SEAL_PAYLOAD_TYPE, type DsseEnvelope, type FacetSeal } from '../model/seal.ts';
import { canonicalBytes } from './canonical.ts';
import { signEnvelope } from './dsse.ts';
import { keyringTrust, parseKeyring } from './keyring.ts';
import {
  exportPrivateKeyJwk,
  exportPrivateKeyPem,
  exportPublicKeyJwk,
  exportPublicKeyPem,
  generateKeyPair,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  type KeyAlgorithm,
} from './keys.ts';
import { sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { file, sealRequest } from './test-support.ts';
import { staticTrust } from './trust.ts';
import { verifySeal } from './verify.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;
const keys = generateKeyPair();
const other = generateKeyPair('ecdsa-p256');
const signer = createSigner(keys.privateKey);
const trust = staticTrust([keys.publicKey]);
const sealed = await sealManifest(sealRequest(), signer);

type Payload = Record<string, unknown> & {
  manifest: Record<string, unknown> & { files: Record<string, unknown>[] };
};
const payloadOf = (seal: FacetSeal): Payload =>
  JSON.parse(Buffer.from(seal.envelope.payload, 'base64').toString('utf8')) as Payload;

/** A seal whose payload was changed and then validly signed: what a holder of a trusted key could make. */
async function resigned(mutate: (p: Payload) => void, options: { bytes?: (p: Payload) => Uint8Array } = {}) {
  const payload = payloadOf(sealed);
  mutate(payload);
  const bytes = options.bytes?.(payload) ?? canonicalBytes(payload);
  return { ...sealed, envelope: await signEnvelope(SEAL_PAYLOAD_TYPE, bytes, signer) };
}

const withEnvelope = (envelope: Partial<DsseEnvelope>): FacetSeal => ({
  ...sealed,
  envelope: { ...sealed.envelope, ...envelope },
});

describe('verifySeal: round trips', () => {
  it.each<[KeyAlgorithm, 'pem' | 'jwk']>([
    ['ed25519', 'pem'],
    ['ed25519', 'jwk'],
    ['ecdsa-p256', 'pem'],
    ['ecdsa-p256', 'jwk'],
  ])('%s keys through %s: seal, write as JSON, read back, verify', async (algorithm, format) => {
    const pair = generateKeyPair(algorithm);
    const [priv, pub] =
      format === 'pem'
        ? [exportPrivateKeyPem(pair.privateKey), exportPublicKeyPem(pair.publicKey)]
        : [
            JSON.stringify(await exportPrivateKeyJwk(pair.privateKey)),
            JSON.stringify(await exportPublicKeyJwk(pair.publicKey)),
          ];
    const seal = await sealManifest(sealRequest(), createSigner(await parsePrivateKey(priv, 'k')));
    const verified = verifySeal(
      JSON.parse(JSON.stringify(seal)),
      staticTrust([await parsePublicKey(pub, 'k')]),
    );
    expect(verified.keyId).toBe(keyIdOf(pair.publicKey));
    expect(verified.payload.manifest.merkleRoot).toBe(seal.manifest.merkleRoot);
    expect(verified.payload.facetId).toBe('os');
  });

  it('accepts an envelope re-encoded in URL-safe base64 without padding', () => {
    const urlSafe = (s: string) => Buffer.from(s, 'base64').toString('base64url');
    const seal = withEnvelope({
      payload: urlSafe(sealed.envelope.payload),
      signatures: sealed.envelope.signatures.map((s) => ({ ...s, sig: urlSafe(s.sig) })),
    });
    expect(verifySeal(seal, trust).keyId).toBe(keyIdOf(keys.publicKey));
  });

  it('accepts a valid signature whose keyid names another key (keyid is a hint only)', () => {
    const seal = withEnvelope({
      signatures: [{ keyid: keyIdOf(other.publicKey), sig: sealed.envelope.signatures[0]!.sig }],
    });
    expect(verifySeal(seal, staticTrust([other.publicKey, keys.publicKey])).keyId).toBe(
      keyIdOf(keys.publicKey),
    );
  });

  it('accepts a seal without a root envelope (proofs are then unavailable)', () => {
    const { rootEnvelope: _root, ...seal } = sealed;
    expect(verifySeal(seal, trust).keyId).toBe(keyIdOf(keys.publicKey));
  });
});

describe('verifySeal: each failure has its code', () => {
  it('SEAL_INVALID for something that is not a seal', () => {
    expect(() => verifySeal({}, trust)).toThrow(code('SEAL_INVALID'));
    expect(() => verifySeal({ ...sealed, extra: 1 }, trust)).toThrow(code('SEAL_INVALID'));
  });

  it('SEAL_SIGNATURE_UNTRUSTED for a key not in the trust store', () => {
    expect(() => verifySeal(sealed, staticTrust([other.publicKey]))).toThrow(
      code('SEAL_SIGNATURE_UNTRUSTED'),
    );
  });

  it('SEAL_SIGNATURE_UNTRUSTED for a correct keyid on a forged signature', () => {
    const sig = Buffer.from(sealed.envelope.signatures[0]!.sig, 'base64');
    sig[0]! ^= 0x80;
    const seal = withEnvelope({
      signatures: [{ keyid: keyIdOf(keys.publicKey), sig: sig.toString('base64') }],
    });
    expect(() => verifySeal(seal, trust)).toThrow(code('SEAL_SIGNATURE_UNTRUSTED'));
  });

  it('SEAL_SIGNATURE_UNTRUSTED for a payload changed after signing (one byte of the root)', () => {
    const text = Buffer.from(sealed.envelope.payload, 'base64').toString('utf8');
    const root = sealed.manifest.merkleRoot.slice(7);
    const flipped = root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const seal = withEnvelope({ payload: Buffer.from(text.replace(root, flipped)).toString('base64') });
    expect(() => verifySeal(seal, trust)).toThrow(code('SEAL_SIGNATURE_UNTRUSTED'));
  });

  it('DSSE_BASE64_INVALID for a payload that is not canonical base64', () => {
    expect(() => verifySeal(withEnvelope({ payload: 'aGl=' }), trust)).toThrow(code('DSSE_BASE64_INVALID'));
  });

  it('SEAL_PAYLOAD_TYPE for a valid signature under another payload type', async () => {
    const envelope = await signEnvelope(
      'application/json',
      Buffer.from(sealed.envelope.payload, 'base64'),
      signer,
    );
    expect(() => verifySeal({ ...sealed, envelope }, trust)).toThrow(code('SEAL_PAYLOAD_TYPE'));
  });

  it('SEAL_PAYLOAD_INVALID for signed bytes that are not JSON, or not a seal payload', async () => {
    const notJson = await signEnvelope(SEAL_PAYLOAD_TYPE, Buffer.from('{"a":'), signer);
    expect(() => verifySeal({ ...sealed, envelope: notJson }, trust)).toThrow(code('SEAL_PAYLOAD_INVALID'));
    const notUtf8 = await signEnvelope(SEAL_PAYLOAD_TYPE, Buffer.from([0x22, 0xff, 0x22]), signer);
    expect(() => verifySeal({ ...sealed, envelope: notUtf8 }, trust)).toThrow(code('SEAL_PAYLOAD_INVALID'));
    const missing = await resigned((p) => delete p.sealedBy);
    expect(() => verifySeal(missing, trust)).toThrow(code('SEAL_PAYLOAD_INVALID'));
    const extra = await resigned((p) => (p.note = 'hello'));
    expect(() => verifySeal(extra, trust)).toThrow(code('SEAL_PAYLOAD_INVALID'));
    const nul = await resigned((p) => (p.manifest.files[0]!.path = '/a\u0000b'));
    expect(() => verifySeal(nul, trust)).toThrow(code('SEAL_PAYLOAD_INVALID'));
  });

  it('SEAL_PAYLOAD_NOT_CANONICAL for signed JSON that is not RFC 8785', async () => {
    const pretty = await resigned(() => undefined, { bytes: (p) => Buffer.from(JSON.stringify(p, null, 2)) });
    expect(() => verifySeal(pretty, trust)).toThrow(code('SEAL_PAYLOAD_NOT_CANONICAL'));
    // A duplicate key: JSON.parse keeps the last, another parser might keep the first.
    const duplicate = await resigned(() => undefined, {
      bytes: (p) => Buffer.from(canonicalBytes(p).toString().replace('{"_type"', '{"_type":"x","_type"')),
    });
    expect(() => verifySeal(duplicate, trust)).toThrow(code('SEAL_PAYLOAD_NOT_CANONICAL'));
  });

  it('SEAL_FILES_UNSORTED for files in UTF-16 order or repeated', async () => {
    const utf16 = await resigned((p) =>
      p.manifest.files.sort((a, b) => ((a.path as string) < (b.path as string) ? -1 : 1)),
    );
    expect(() => verifySeal(utf16, trust)).toThrow(code('SEAL_FILES_UNSORTED'));
    const repeated = await resigned((p) => p.manifest.files.splice(1, 0, p.manifest.files[0]!));
    expect(() => verifySeal(repeated, trust)).toThrow(code('SEAL_FILES_UNSORTED'));
  });

  it('SEAL_MERKLE_MISMATCH for a file changed under the same root', async () => {
    const seal = await resigned((p) => (p.manifest.files[0]!.contentHash = file('/x', 'other').contentHash));
    expect(() => verifySeal(seal, trust)).toThrow(code('SEAL_MERKLE_MISMATCH'));
    const root = await resigned((p) => (p.manifest.merkleRoot = `sha256:${'0'.repeat(64)}`));
    expect(() => verifySeal(root, trust)).toThrow(code('SEAL_MERKLE_MISMATCH'));
  });

  it('SEAL_COUNT_MISMATCH and SEAL_BYTES_MISMATCH for wrong counts', async () => {
    const count = await resigned((p) => (p.manifest.fileCount = (p.manifest.fileCount as number) + 1));
    expect(() => verifySeal(count, trust)).toThrow(code('SEAL_COUNT_MISMATCH'));
    const bytes = await resigned((p) => (p.manifest.totalBytes = (p.manifest.totalBytes as number) + 1));
    expect(() => verifySeal(bytes, trust)).toThrow(code('SEAL_BYTES_MISMATCH'));
  });

  it('SEAL_FACET_MISMATCH when the seal names another facet than it signed, or than expected', () => {
    const relabelled = { ...sealed, manifest: { ...sealed.manifest, facetId: 'binaries' } };
    expect(() => verifySeal(relabelled, trust)).toThrow(code('SEAL_FACET_MISMATCH'));
    const retyped = { ...sealed, manifest: { ...sealed.manifest, type: 'Binary' as const } };
    expect(() => verifySeal(retyped, trust)).toThrow(code('SEAL_FACET_MISMATCH'));
    expect(() => verifySeal(sealed, trust, { facetId: 'lang/node' })).toThrow(code('SEAL_FACET_MISMATCH'));
    expect(verifySeal(sealed, trust, { facetId: 'os' }).payload.facetId).toBe('os');
  });

  it('SEAL_OUTER_MISMATCH when an unsigned copy disagrees with the payload', () => {
    const tampered: FacetSeal[] = [
      { ...sealed, imageDigest: `sha256:${'1'.repeat(64)}` },
      { ...sealed, configDigest: `sha256:${'2'.repeat(64)}` },
      { ...sealed, imageRef: 'evil.example.com/app:v1' },
      { ...sealed, sealedBy: 'someone else' },
      { ...sealed, sealId: '00000000-0000-4000-8000-000000000000' },
      { ...sealed, appliedQuota: { ...sealed.appliedQuota!, onExceed: 'Block' } },
      { ...sealed, appliedQuota: null },
      { ...sealed, manifest: { ...sealed.manifest, merkleRoot: `sha256:${'3'.repeat(64)}` } },
      { ...sealed, manifest: { ...sealed.manifest, extractorVersion: '9' } },
      {
        ...sealed,
        manifest: {
          ...sealed.manifest,
          files: sealed.manifest.files.map((f, i) => (i === 2 ? { ...f, mode: '0755' } : f)),
        },
      },
      {
        ...sealed,
        manifest: {
          ...sealed.manifest,
          files: sealed.manifest.files.map((f, i) =>
            i === 0 ? { ...f, modTime: '2020-01-01T00:00:00.000Z' } : f,
          ),
        },
      },
      { ...sealed, manifest: { ...sealed.manifest, files: sealed.manifest.files.slice(1) } },
    ];
    for (const seal of tampered) expect(() => verifySeal(seal, trust)).toThrow(code('SEAL_OUTER_MISMATCH'));
  });

  it('SEAL_INVALID for an unsigned entry that is not an entry, even where the signed one is valid', () => {
    const withFiles = (files: unknown[]): unknown => ({ ...sealed, manifest: { ...sealed.manifest, files } });
    const files = sealed.manifest.files;
    const cases: unknown[] = [
      withFiles(files.map((f, i) => (i === 1 ? { ...f, mode: '999' } : f))),
      withFiles(files.map((f, i) => (i === 1 ? { ...f, extra: true } : f))),
      withFiles(files.map((f, i) => (i === 1 ? 'not an entry' : f))),
      withFiles(files.map((f, i) => (i === 1 ? null : f))),
      { ...sealed, manifest: { ...sealed.manifest, extra: 1 } },
    ];
    for (const seal of cases) expect(() => verifySeal(seal, trust)).toThrow(code('SEAL_INVALID'));
    expect(() => verifySeal(cases[0], trust)).toThrow(/field manifest\.files\.1\.mode/);
  });

  it('returns the signed entries and the canonical text of the signed files array', () => {
    const verified = verifySeal(JSON.parse(JSON.stringify(sealed)), trust);
    expect(verified.seal).toEqual(sealed);
    expect(verified.seal.manifest.files).toBe(verified.payload.manifest.files);
    const text = Buffer.from(sealed.envelope.payload, 'base64').toString('utf8');
    expect(text).toContain(`"files":${verified.canonicalFiles},"merkleRoot"`);
    expect(JSON.parse(verified.canonicalFiles)).toEqual(payloadOf(sealed).manifest.files);
  });

  it('reports each step to onPhase, in order', () => {
    const phases: string[] = [];
    verifySeal(sealed, trust, { onPhase: (p) => phases.push(p) });
    expect(phases).toEqual([
      'verify.shape',
      'verify.signature',
      'verify.parse',
      'verify.canonical',
      'verify.merkle',
      'verify.outer',
    ]);
  });

  it('SEAL_ROOT_MISMATCH when the root envelope is a validly signed statement of another seal', async () => {
    const otherSeal = await sealManifest(sealRequest({ files: [file('/etc/passwd', 'root')] }), signer);
    expect(() => verifySeal({ ...sealed, rootEnvelope: otherSeal.rootEnvelope }, trust)).toThrow(
      code('SEAL_ROOT_MISMATCH'),
    );
    expect(() => verifySeal({ ...sealed, rootEnvelope: sealed.envelope }, trust)).toThrow(
      code('SEAL_PAYLOAD_TYPE'),
    );
  });
});

describe('verifySeal: key rotation', () => {
  const archived = generateKeyPair('ecdsa-p256');
  const current = generateKeyPair('ed25519');
  const ringText = JSON.stringify({
    keys: [
      {
        publicKey: exportPublicKeyPem(archived.publicKey),
        status: 'archived',
        notBefore: '2025-01-01T00:00:00Z',
        notAfter: '2025-12-31T23:59:59.999Z',
      },
      {
        publicKey: exportPublicKeyPem(current.publicKey),
        status: 'active',
        notBefore: '2026-01-01T00:00:00Z',
      },
    ],
  });

  it('accepts an archived key for a seal made inside its window', async () => {
    const trustRing = keyringTrust(await parseKeyring(ringText, 'ring.json'));
    const seal = await sealManifest(
      sealRequest({ sealedAt: '2025-06-01T12:00:00.000Z' }),
      createSigner(archived.privateKey),
    );
    expect(verifySeal(seal, trustRing).keyId).toBe(keyIdOf(archived.publicKey));
  });

  it('refuses it for a seal dated outside its window, with SEAL_KEY_OUTSIDE_WINDOW', async () => {
    const trustRing = keyringTrust(await parseKeyring(ringText, 'ring.json'));
    const seal = await sealManifest(
      sealRequest({ sealedAt: '2026-02-01T00:00:00.000Z' }),
      createSigner(archived.privateKey),
    );
    expect(() => verifySeal(seal, trustRing)).toThrow(code('SEAL_KEY_OUTSIDE_WINDOW'));
    const early = await sealManifest(
      sealRequest({ sealedAt: '2025-06-01T00:00:00.000Z' }),
      createSigner(current.privateKey),
    );
    expect(() => verifySeal(early, trustRing)).toThrow(code('SEAL_KEY_OUTSIDE_WINDOW'));
  });

  it('checks the window at the signed sealedAt, not the unsigned copy', async () => {
    const trustRing = keyringTrust(await parseKeyring(ringText, 'ring.json'));
    const seal = await sealManifest(
      sealRequest({ sealedAt: '2026-02-01T00:00:00.000Z' }),
      createSigner(archived.privateKey),
    );
    expect(() => verifySeal({ ...seal, sealedAt: '2025-06-01T00:00:00.000Z' }, trustRing)).toThrow(
      code('SEAL_KEY_OUTSIDE_WINDOW'),
    );
  });
});
