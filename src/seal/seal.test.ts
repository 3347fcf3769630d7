import { describe, expect, it } from 'vitest';
import { FacetSeal, ROOT_PAYLOAD_TYPE, SEAL_PAYLOAD_TYPE } from '../model/seal.ts';
import { canonicalJson } from './canonical.ts';
import { generateKeyPair, keyIdOf } from './keys.ts';
import { buildSealPayload, sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { manifestOf, sealRequest } from './test-support.ts';
import { staticTrust } from './trust.ts';
import { verifySeal } from './verify.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;
const keys = generateKeyPair();
const signer = createSigner(keys.privateKey);
const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

describe('sealManifest', () => {
  it('signs the seed §5 payload plus configDigest, in canonical JSON, under the facet-seal payload type', async () => {
    const request = sealRequest();
    const seal = await sealManifest(request, signer);
    expect(FacetSeal.parse(seal)).toEqual(seal);
    expect(seal.envelope.payloadType).toBe(SEAL_PAYLOAD_TYPE);
    expect(seal.envelope.signatures).toEqual([
      { keyid: keyIdOf(keys.publicKey), sig: expect.any(String) as string },
    ]);
    const text = decode(seal.envelope.payload);
    const payload = JSON.parse(text) as Record<string, unknown> & { manifest: Record<string, unknown> };
    expect(text).toBe(canonicalJson(payload));
    expect(Object.keys(payload)).toEqual([
      '_type',
      'configDigest',
      'facetId',
      'facetType',
      'imageDigest',
      'imageRef',
      'manifest',
      'quota',
      'sealId',
      'sealedAt',
      'sealedBy',
    ]);
    expect(payload._type).toBe('https://stellaops.io/FacetSeal/v1');
    expect(payload.manifest).not.toHaveProperty('facetId');
    expect(payload.manifest).not.toHaveProperty('type');
    expect(payload.manifest.merkleRoot).toBe(request.manifest.merkleRoot);
    expect(seal.manifest).toBe(request.manifest);
    expect(seal.appliedQuota).toEqual(request.quota);
  });

  it('also signs the root statement, for inclusion proofs', async () => {
    const seal = await sealManifest(sealRequest(), signer);
    expect(seal.rootEnvelope?.payloadType).toBe(ROOT_PAYLOAD_TYPE);
    const statement = JSON.parse(decode(seal.rootEnvelope!.payload)) as Record<string, unknown>;
    expect(statement).toMatchObject({
      _type: 'https://stellaops.io/FacetRoot/v1',
      facetId: 'os',
      merkleRoot: seal.manifest.merkleRoot,
      fileCount: seal.manifest.fileCount,
      sealId: seal.sealId,
      imageDigest: seal.imageDigest,
    });
  });

  it('is deterministic for a fixed sealId and sealedAt (Ed25519 signatures are too)', async () => {
    const a = await sealManifest(sealRequest(), signer);
    const b = await sealManifest(sealRequest(), signer);
    expect(b.envelope).toEqual(a.envelope);
  });

  it('fills sealId with a UUID and sealedAt with the current time when not given', async () => {
    const { sealId: _id, sealedAt: _at, ...request } = sealRequest();
    const before = Date.now();
    const seal = await sealManifest(request, signer);
    expect(seal.sealId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(seal.sealedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(verifySeal(seal, staticTrust([keys.publicKey])).payload.sealId).toBe(seal.sealId);
  });

  it('seals an empty facet with the empty root', async () => {
    const seal = await sealManifest(sealRequest({ files: [] }), signer);
    expect(seal.manifest.merkleRoot).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(verifySeal(seal, staticTrust([keys.publicKey])).payload.manifest.fileCount).toBe(0);
  });

  it('refuses a manifest whose root, order or counts do not match its files', async () => {
    const request = sealRequest();
    const cases = [
      { ...request.manifest, merkleRoot: manifestOf([]).merkleRoot },
      { ...request.manifest, files: [...request.manifest.files].reverse() },
      { ...request.manifest, fileCount: 1 },
      { ...request.manifest, totalBytes: 0 },
    ];
    for (const manifest of cases) {
      await expect(sealManifest({ ...request, manifest }, signer)).rejects.toThrow(
        code('SEAL_MANIFEST_INCONSISTENT'),
      );
    }
  });

  it('refuses invalid input, naming the field', async () => {
    await expect(sealManifest({ ...sealRequest(), imageDigest: 'sha256:abc' }, signer)).rejects.toThrow(
      code('SEAL_INPUT_INVALID'),
    );
    expect(() => buildSealPayload({ ...sealRequest(), sealedBy: '' })).toThrow(/sealedBy/);
  });

  it('never writes undefined members (an optional linkTarget given as undefined is left out)', () => {
    const request = sealRequest();
    const files = request.manifest.files.map((f) => ({ ...f, linkTarget: f.linkTarget }));
    const payload = buildSealPayload({ ...request, manifest: { ...request.manifest, files } });
    expect(() => canonicalJson(payload)).not.toThrow();
  });
});
