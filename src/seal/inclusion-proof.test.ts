import { describe, expect, it } from 'vitest';
import { FacetInclusionProof, ROOT_PAYLOAD_TYPE, type FacetSeal } from '../model/seal.ts';
import { canonicalBytes } from './canonical.ts';
import { signEnvelope } from './dsse.ts';
import { makeInclusionProof, verifyInclusionProof } from './inclusion-proof.ts';
import { keyringTrust, parseKeyring } from './keyring.ts';
import { exportPublicKeyPem, generateKeyPair, keyIdOf } from './keys.ts';
import { rootStatementOf, sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { file, SAMPLE_FILES, sealRequest } from './test-support.ts';
import { staticTrust } from './trust.ts';
import { verifySeal } from './verify.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;
const keys = generateKeyPair();
const signer = createSigner(keys.privateKey);
const trust = staticTrust([keys.publicKey]);
const sealed = await sealManifest(sealRequest(), signer);

describe('inclusion proofs', () => {
  it('prove every path of a seal against its signed root, without the rest of the manifest', () => {
    for (const f of SAMPLE_FILES) {
      const proof = makeInclusionProof(sealed, f.path);
      const text = JSON.stringify(proof);
      expect(text).not.toContain(sealed.envelope.payload); // the full payload stays behind
      const verified = verifyInclusionProof(JSON.parse(text), trust);
      expect(verified.entry.path).toBe(f.path);
      expect(verified.statement.merkleRoot).toBe(sealed.manifest.merkleRoot);
      expect(verified.statement.sealId).toBe(sealed.sealId);
      expect(verified.keyId).toBe(keyIdOf(keys.publicKey));
    }
  });

  it('carry a symlink target, and check it against the content hash', () => {
    const proof = makeInclusionProof(sealed, '/usr/bin/sh');
    expect(proof.entry).toMatchObject({ type: 'symlink', linkTarget: 'dash', mode: '0777' });
    expect(() =>
      verifyInclusionProof({ ...proof, entry: { ...proof.entry, linkTarget: 'bash' } }, trust),
    ).toThrow(code('PROOF_LINK_TARGET_MISMATCH'));
    expect(() =>
      verifyInclusionProof(
        { ...makeInclusionProof(sealed, '/etc/os-release'), entry: { ...proof.entry, type: 'file' } },
        trust,
      ),
    ).toThrow(code('PROOF_INVALID'));
  });

  it('PROOF_INCLUSION_FAILED for another entry, index or audit path', () => {
    const proof = makeInclusionProof(sealed, '/etc/os-release');
    const cases = [
      { ...proof, entry: { ...proof.entry, size: proof.entry.size + 1 } },
      { ...proof, entry: { ...proof.entry, path: '/etc/shadow' } },
      { ...proof, entry: { ...proof.entry, mode: '4755' } },
      { ...proof, leafIndex: proof.leafIndex + 1 },
      { ...proof, auditPath: proof.auditPath.slice(1) },
      { ...proof, auditPath: [...proof.auditPath].reverse() },
    ];
    for (const c of cases)
      expect(() => verifyInclusionProof(c, trust)).toThrow(code('PROOF_INCLUSION_FAILED'));
  });

  it('PROOF_TREE_SIZE_MISMATCH when the tree size is not the signed file count', () => {
    const proof = makeInclusionProof(sealed, '/etc/os-release');
    expect(() => verifyInclusionProof({ ...proof, treeSize: proof.treeSize + 1 }, trust)).toThrow(
      code('PROOF_TREE_SIZE_MISMATCH'),
    );
  });

  it('PROOF_INVALID for a document that is not a proof', () => {
    expect(() => verifyInclusionProof({ entry: {} }, trust)).toThrow(code('PROOF_INVALID'));
    const proof = makeInclusionProof(sealed, '/etc/os-release');
    expect(() => verifyInclusionProof({ ...proof, auditPath: ['sha256:00'] }, trust)).toThrow(
      code('PROOF_INVALID'),
    );
    expect(FacetInclusionProof.parse(proof)).toEqual(proof);
  });

  it('checks the root statement as a seal: trusted key, payload type, key window', async () => {
    const proof = makeInclusionProof(sealed, '/etc/os-release');
    expect(() => verifyInclusionProof(proof, staticTrust([generateKeyPair().publicKey]))).toThrow(
      code('SEAL_SIGNATURE_UNTRUSTED'),
    );
    expect(() => verifyInclusionProof({ ...proof, rootEnvelope: sealed.envelope }, trust)).toThrow(
      code('SEAL_PAYLOAD_TYPE'),
    );
    const ring = await parseKeyring(
      JSON.stringify({
        keys: [
          {
            publicKey: exportPublicKeyPem(keys.publicKey),
            status: 'archived',
            notBefore: '2027-01-01T00:00:00Z',
          },
        ],
      }),
      'ring.json',
    );
    expect(() => verifyInclusionProof(proof, keyringTrust(ring))).toThrow(code('SEAL_KEY_OUTSIDE_WINDOW'));
  });

  it('fails for a root statement signed over a different root', async () => {
    const proof = makeInclusionProof(sealed, '/etc/os-release');
    const statement = {
      ...rootStatementOf(verifySeal(sealed, trust).payload),
      merkleRoot: `sha256:${'0'.repeat(64)}`,
    };
    const rootEnvelope = await signEnvelope(ROOT_PAYLOAD_TYPE, canonicalBytes(statement), signer);
    expect(() => verifyInclusionProof({ ...proof, rootEnvelope }, trust)).toThrow(
      code('PROOF_INCLUSION_FAILED'),
    );
  });

  it('cannot be made for a path not in the facet, or from a seal without a root envelope', () => {
    expect(() => makeInclusionProof(sealed, '/etc/shadow')).toThrow(code('PROOF_PATH_NOT_FOUND'));
    const { rootEnvelope: _r, ...old } = sealed;
    expect(() => makeInclusionProof(old as FacetSeal, '/etc/os-release')).toThrow(
      code('PROOF_NO_ROOT_ENVELOPE'),
    );
  });

  it('are not made from a manifest whose files do not match its root', () => {
    const tampered = {
      ...sealed,
      manifest: {
        ...sealed.manifest,
        files: sealed.manifest.files.map((f, i) => (i === 0 ? file(f.path, 'x') : f)),
      },
    };
    expect(() => makeInclusionProof(tampered, '/etc/os-release')).toThrow(code('SEAL_MERKLE_MISMATCH'));
  });

  it('work for a facet of one file (an empty audit path)', async () => {
    const single = await sealManifest(sealRequest({ files: [file('/only', 'x')] }), signer);
    const proof = makeInclusionProof(single, '/only');
    expect(proof.auditPath).toEqual([]);
    expect(verifyInclusionProof(proof, trust).entry.path).toBe('/only');
  });
});
