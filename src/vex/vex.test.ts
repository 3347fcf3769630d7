import { describe, expect, it } from 'vitest';
import type { DriftReport, FacetDrift } from '../model/drift.ts';
import { createSigner, generateKeyPair, signEnvelope, staticTrust } from '../seal/index.ts';
import { PLACEHOLDER_IMPACT, driftUrn } from './acknowledgement.ts';
import { generateVex } from './generate.ts';
import { OpenVexDocument, OPENVEX_PAYLOAD_TYPE } from './schema.ts';
import { signVex } from './sign.ts';
import { productDigest, verifyVexForAdmission } from './verify.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const facet = (facetId: string, action: 'Warn' | 'RequireVex' | 'Block', passed: boolean): FacetDrift => ({
  facetId,
  baselineSealId: crypto.randomUUID(),
  currentSealId: crypto.randomUUID(),
  baselineMerkleRoot: digest('a'),
  currentMerkleRoot: digest('b'),
  added: [],
  removed: [],
  modified: [],
  score: { totalChanges: 30, churnPercent: 30, addedCount: 30, removedCount: 0, modifiedCount: 0 },
  quotaVerdict: {
    passed,
    violations: passed
      ? []
      : [
          {
            quotaField: 'MaxChurnPercent',
            limit: 10,
            actual: 30,
            message: `facet "${facetId}": MaxChurnPercent exceeded`,
          },
        ],
    recommendedAction: passed ? 'Warn' : action,
  },
});
const report: DriftReport = {
  baseline: { imageRef: 'registry.example/app:1', imageDigest: digest('1') },
  current: { imageRef: 'registry.example/app:2', imageDigest: digest('2') },
  facets: [
    facet('lang/node', 'RequireVex', false),
    facet('os', 'Warn', true),
    facet('config', 'Warn', false),
  ],
  packages: [
    {
      name: 'libssl3',
      ecosystem: 'deb',
      from: '3.0.13-1~deb12u1',
      to: '3.0.15-1~deb12u1',
      cause: 'SecurityPatch',
      cves: ['CVE-2024-6119', 'CVE-2024-5535'],
      purl: 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64',
    },
    {
      name: 'openssl',
      ecosystem: 'deb',
      from: '3.0.13-1~deb12u1',
      to: '3.0.15-1~deb12u1',
      cause: 'SecurityPatch',
      cves: ['CVE-2024-5535'],
      purl: 'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64',
    },
    {
      name: 'express',
      ecosystem: 'npm',
      from: '4.18.2',
      to: '4.21.0',
      cause: 'PackageUpdate',
      cves: [],
      purl: 'pkg:npm/express@4.21.0',
    },
  ],
  decision: 'RequireVex',
};
const options = {
  author: 'sec@example.org',
  now: new Date('2026-01-05T10:00:00.000Z'),
  id: 'urn:uuid:6f1d4c1e-0000-4000-8000-000000000000',
};

describe('generateVex (SPEC §12)', () => {
  const doc = generateVex(report, options);

  it('validates against the OpenVEX v0.2.0 schema', () => {
    expect(OpenVexDocument.parse(doc)).toEqual(doc);
    expect(doc['@context']).toBe('https://openvex.dev/ns/v0.2.0');
  });

  it('states fixed per CVE, for the current image digest, with the packages at their new versions', () => {
    const fixed = doc.statements.filter((s) => s.status === 'fixed');
    expect(fixed.map((s) => s.vulnerability.name)).toEqual(['CVE-2024-5535', 'CVE-2024-6119']);
    const product = fixed[0]!.products![0]!;
    expect(product['@id']).toBe(`pkg:oci/app@${digest('2')}?repository_url=registry.example%2Fapp&tag=2`);
    expect(productDigest(product['@id'])).toBe(digest('2'));
    expect(product.subcomponents!.map((s) => s['@id'])).toEqual([
      'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64',
      'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64',
    ]);
  });

  it('drafts one acknowledgement per facet that requires a VEX, bound to its drift, with the placeholder', () => {
    const acks = doc.statements.filter((s) => s.status === 'not_affected');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.vulnerability.name).toBe(
      driftUrn({ facetId: 'lang/node', baselineRoot: digest('a'), currentRoot: digest('b') }),
    );
    expect(acks[0]!.impact_statement).toBe(PLACEHOLDER_IMPACT);
  });

  it('refuses to draft an empty document', () => {
    expect(() => generateVex({ ...report, facets: [], packages: [] }, options)).toThrow(
      expect.objectContaining({ code: 'VEX_NOTHING_TO_STATE' }),
    );
  });

  it('rejects documents that break the spec', () => {
    const bad = { ...doc, statements: [{ vulnerability: { name: 'CVE-1' }, status: 'not_affected' }] };
    expect(OpenVexDocument.safeParse(bad).success).toBe(false);
    expect(
      OpenVexDocument.safeParse({
        ...doc,
        statements: [{ vulnerability: { name: 'x' }, status: 'affected' }],
      }).success,
    ).toBe(false);
    expect(OpenVexDocument.safeParse({ ...doc, extra: 1 }).success).toBe(false);
    expect(
      OpenVexDocument.safeParse({ ...doc, statements: [{ ...doc.statements[0], justification: 'because' }] })
        .success,
    ).toBe(false);
  });
});

describe('verifyVexForAdmission', () => {
  const keys = generateKeyPair();
  const signer = createSigner(keys.privateKey);
  const trust = staticTrust([keys.publicKey]);
  const binding = {
    imageDigest: digest('2'),
    facetId: 'lang/node',
    baselineRoot: digest('a'),
    currentRoot: digest('b'),
  };
  const reviewed = () => {
    const doc = generateVex(report, options);
    for (const s of doc.statements)
      if (s.status === 'not_affected')
        s.impact_statement = 'Reviewed: upgrade of express by the app team (PR 123).';
    return doc;
  };

  it('accepts a signed, reviewed acknowledgement of exactly this drift', async () => {
    const envelope = await signVex(reviewed(), signer);
    expect(envelope.payloadType).toBe(OPENVEX_PAYLOAD_TYPE);
    expect(verifyVexForAdmission(envelope, trust, binding)).toMatchObject({
      acknowledged: true,
      documentId: options.id,
    });
  });

  it('refuses the draft placeholder', async () => {
    const envelope = await signVex(generateVex(report, options), signer);
    expect(verifyVexForAdmission(envelope, trust, binding)).toMatchObject({
      acknowledged: false,
      code: 'VEX_PLACEHOLDER_IMPACT',
    });
  });

  it('refuses a replay for another drift, facet or image', async () => {
    const envelope = await signVex(reviewed(), signer);
    for (const other of [
      { currentRoot: digest('c') },
      { baselineRoot: digest('c') },
      { facetId: 'config' },
      { imageDigest: digest('3') },
    ]) {
      expect(verifyVexForAdmission(envelope, trust, { ...binding, ...other })).toMatchObject({
        acknowledged: false,
        code: 'VEX_NOT_BOUND_TO_DRIFT',
      });
    }
  });

  it('refuses an untrusted signature, a tampered payload and another payload type', async () => {
    const envelope = await signVex(reviewed(), signer);
    const stranger = staticTrust([generateKeyPair().publicKey]);
    expect(verifyVexForAdmission(envelope, stranger, binding)).toMatchObject({ acknowledged: false });
    const tampered = {
      ...envelope,
      payload: Buffer.from(
        Buffer.from(envelope.payload, 'base64').toString().replace('Reviewed', 'Reviewee'),
      ).toString('base64'),
    };
    expect(verifyVexForAdmission(tampered, trust, binding)).toMatchObject({ acknowledged: false });
    const wrongType = await signEnvelope('application/json', Buffer.from(JSON.stringify(reviewed())), signer);
    expect(verifyVexForAdmission(wrongType, trust, binding)).toMatchObject({
      acknowledged: false,
      code: 'VEX_PAYLOAD_TYPE',
    });
  });

  it('refuses a key that was not valid at the document timestamp', async () => {
    const envelope = await signVex(reviewed(), signer);
    const windowed = { allKeys: () => [keys.publicKey], keysAt: () => [] };
    expect(verifyVexForAdmission(envelope, windowed, binding)).toMatchObject({
      acknowledged: false,
      code: 'VEX_KEY_NOT_VALID_AT_TIMESTAMP',
    });
  });
});
