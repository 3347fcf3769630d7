import { describe, expect, it } from 'vitest';
import { SEAL_PREDICATE_TYPE } from '../model/seal.ts';
import { verifyEnvelope } from './dsse.ts';
import {
  buildInTotoStatement,
  IN_TOTO_PAYLOAD_TYPE,
  signInTotoStatement,
  subjectName,
  verifyInTotoEnvelope,
} from './in-toto.ts';
import { generateKeyPair } from './keys.ts';
import { sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { file, IMAGE, manifestOf, sealRequest } from './test-support.ts';
import { staticTrust } from './trust.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;
const keys = generateKeyPair();
const signer = createSigner(keys.privateKey);
const trust = staticTrust([keys.publicKey]);
const os = await sealManifest(sealRequest(), signer);
const binaries = await sealManifest(
  { ...sealRequest(), manifest: manifestOf([file('/usr/bin/app', 'elf')], 'binaries') },
  signer,
);

describe('in-toto Statement v1', () => {
  it('has the image as subject and the seal payloads as predicate', () => {
    const statement = buildInTotoStatement({ ...IMAGE, seals: [os, binaries] });
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.subject).toEqual([
      { name: 'registry.example.com/app', digest: { sha256: IMAGE.imageDigest.slice(7) } },
    ]);
    expect(statement.predicateType).toBe(SEAL_PREDICATE_TYPE);
    expect(statement.predicate.seals.map((s) => s.facetId)).toEqual(['os', 'binaries']);
    expect(statement.predicate.seals[0]!.manifest.merkleRoot).toBe(os.manifest.merkleRoot);
  });

  it('is signed in a DSSE envelope of type application/vnd.in-toto+json, and verifies', async () => {
    const envelope = await signInTotoStatement(
      buildInTotoStatement({ ...IMAGE, seals: [os, binaries] }),
      signer,
    );
    expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(verifyEnvelope(envelope, [keys.publicKey]).payloadType).toBe('application/vnd.in-toto+json');
    const { statement } = verifyInTotoEnvelope(envelope, trust);
    expect(statement.predicate.seals).toHaveLength(2);
  });

  it('refuses seals of another image', () => {
    expect(() =>
      buildInTotoStatement({ ...IMAGE, imageDigest: `sha256:${'9'.repeat(64)}`, seals: [os] }),
    ).toThrow(code('INTOTO_INVALID'));
  });

  it.each([
    ['registry.example.com/app:v1.2.3', 'registry.example.com/app'],
    ['registry.example.com:5000/team/app:v1@sha256:abc', 'registry.example.com:5000/team/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['debian', 'debian'],
    ['oci:/srv/layout:latest', 'oci:/srv/layout'],
  ])('names the subject %s as %s', (ref, name) => {
    expect(subjectName(ref)).toBe(name);
  });
});
