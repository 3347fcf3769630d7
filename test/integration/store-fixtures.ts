import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { computeMerkle, sortEntriesByPath } from '../../src/merkle/index.ts';
import type { FacetDrift } from '../../src/model/drift.ts';
import type { FacetType, QuotaLimits } from '../../src/model/facet.ts';
import type { FacetFileEntry, FacetManifest } from '../../src/model/manifest.ts';
import type { DsseEnvelope, SealSet } from '../../src/model/seal.ts';
import { canonicalBytes } from '../../src/seal/canonical.ts';
import { signEnvelope } from '../../src/seal/dsse.ts';
import { exportPublicKeyPem, generateKeyPair } from '../../src/seal/keys.ts';
import { sealManifest } from '../../src/seal/seal.ts';
import { createSigner, type Signer } from '../../src/seal/signer.ts';

/** The six default facets (seed §6) with their types. */
export const FACETS: readonly { facetId: string; type: FacetType }[] = [
  { facetId: 'os', type: 'OS' },
  { facetId: 'lang/node', type: 'LangNode' },
  { facetId: 'lang/python', type: 'LangPython' },
  { facetId: 'lang/go', type: 'LangGo' },
  { facetId: 'binary', type: 'Binary' },
  { facetId: 'config', type: 'Config' },
];

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicPem: string;
  readonly signer: Signer;
}

export function testKey(algorithm: 'ed25519' | 'ecdsa-p256' = 'ed25519'): TestKey {
  const pair = generateKeyPair(algorithm);
  return { ...pair, publicPem: exportPublicKeyPem(pair.publicKey), signer: createSigner(pair.privateKey) };
}

export const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** `count` files under `prefix`, contents derived from `seed`: the same arguments give the same entries. */
export function files(prefix: string, count: number, seed = 'v1'): FacetFileEntry[] {
  const entries: FacetFileEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      path: `${prefix}/file-${String(i).padStart(6, '0')}`,
      type: 'file',
      contentHash: sha256(`${prefix}/${i}/${seed}`),
      size: 100 + i,
      mode: '0644',
      modTime: '2024-01-01T00:00:00.000Z',
    });
  }
  return entries;
}

export function manifestOf(
  facetId: string,
  type: FacetType,
  entries: readonly FacetFileEntry[],
): FacetManifest {
  const sorted = sortEntriesByPath(entries);
  return {
    facetId,
    type,
    files: sorted,
    merkleRoot: computeMerkle(sorted).root,
    fileCount: sorted.length,
    totalBytes: sorted.reduce((n, f) => n + f.size, 0),
    extractedAt: '2024-01-02T00:00:00.000Z',
    extractorVersion: 'test',
  };
}

export interface SealSetSpec {
  readonly imageRef: string;
  readonly imageDigest?: string;
  readonly configDigest?: string;
  /** Files per facet; default: a few files per facet derived from `seed`. */
  readonly manifests?: readonly FacetManifest[];
  readonly seed?: string;
  readonly filesPerFacet?: number;
  readonly sealedAt?: string;
  readonly quota?: QuotaLimits | null;
}

/** A signed seal set of the six default facets, as `stella seal` writes it. */
export async function signedSealSet(key: TestKey, spec: SealSetSpec): Promise<SealSet> {
  const seed = spec.seed ?? spec.imageRef;
  const imageDigest = spec.imageDigest ?? sha256(`image:${spec.imageRef}:${seed}`);
  const configDigest = spec.configDigest ?? sha256(`config:${spec.imageRef}:${seed}`);
  const manifests =
    spec.manifests ??
    FACETS.map((f) => manifestOf(f.facetId, f.type, files(`/${f.facetId}`, spec.filesPerFacet ?? 3, seed)));
  const seals = [];
  for (const manifest of manifests) {
    seals.push(
      await sealManifest(
        {
          manifest,
          imageRef: spec.imageRef,
          imageDigest,
          configDigest,
          quota: spec.quota ?? null,
          sealedBy: 'test',
          sealId: randomUUID(),
          ...(spec.sealedAt === undefined ? {} : { sealedAt: spec.sealedAt }),
        },
        key.signer,
      ),
    );
  }
  return { imageRef: spec.imageRef, imageDigest, configDigest, seals };
}

/** A drift record between two stored seal sets, facet by facet (the numbers are not computed). */
export function driftsBetween(baseline: SealSet, current: SealSet): FacetDrift[] {
  return current.seals.map((cur) => {
    const base = baseline.seals.find((s) => s.manifest.facetId === cur.manifest.facetId)!;
    return {
      facetId: cur.manifest.facetId,
      baselineSealId: base.sealId,
      currentSealId: cur.sealId,
      baselineMerkleRoot: base.manifest.merkleRoot,
      currentMerkleRoot: cur.manifest.merkleRoot,
      added: [],
      removed: [],
      modified: [],
      score: { totalChanges: 3, churnPercent: 100, addedCount: 0, removedCount: 0, modifiedCount: 3 },
      quotaVerdict: {
        passed: false,
        violations: [{ quotaField: 'MaxChurnPercent', limit: 5, actual: 100, message: 'churn 100% > 5%' }],
        recommendedAction: 'Warn',
      },
    };
  });
}

/** An OpenVEX document acknowledging a facet's drift, and its DSSE envelope. */
export async function signedVex(
  key: TestKey,
  imageDigest: string,
  facetId: string,
): Promise<{ document: Record<string, unknown>; envelope: DsseEnvelope }> {
  const document = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `https://example.test/vex/${randomUUID()}`,
    author: 'test',
    timestamp: '2024-01-03T00:00:00.000Z',
    version: 1,
    statements: [
      {
        vulnerability: { name: `zastava-drift:${facetId}` },
        products: [{ '@id': `pkg:oci/app@${imageDigest}` }],
        status: 'not_affected',
        justification: 'component_not_present',
      },
    ],
  };
  const envelope = await signEnvelope('application/vnd.openvex+json', canonicalBytes(document), key.signer);
  return { document, envelope };
}
