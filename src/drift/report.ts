import type { DriftEntry, DriftReport, FacetDrift, ImageIdentity } from '../model/drift.ts';
import type { FacetType, QuotaLimits } from '../model/facet.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import { evaluateQuota } from '../quota/evaluate.ts';
import type { QuotaResolver } from '../quota/resolve.ts';
import { imageDecision } from '../quota/severity.ts';
import { Attributor, type ChangeKind } from './attribute.ts';
import { diffManifests } from './diff.ts';
import { DriftError } from './errors.ts';
import type { PackageInventory } from './packages/inventory.ts';
import { EMPTY_INVENTORY } from './packages/read.ts';
import { scoreDrift } from './score.ts';

/** One facet of one image, as drift needs it: from a verified seal or sealed on the fly. */
export interface SealedFacet {
  readonly facetId: string;
  readonly type: FacetType;
  readonly sealId: string;
  readonly merkleRoot: string;
  readonly fileCount: number;
  /** Sorted by UTF-8 path (SPEC §6). */
  readonly files: readonly FacetFileEntry[];
  readonly appliedQuota?: QuotaLimits | null;
}

/** One side of a drift: an image's identity and its facets, in definition order. */
export interface DriftSide {
  readonly identity: ImageIdentity;
  readonly facets: readonly SealedFacet[];
  /** `SealSet.facetDefinitionsDigest`; absent in seals files written before it existed. */
  readonly facetDefinitionsDigest?: string;
  /** Why this side has no package data, when it has none (e.g. "a seals file"). */
  readonly packagesUnavailable?: string;
}

export interface DriftOptions {
  /** Quota per facet id (`quotaResolver(sources)` from src/quota). */
  readonly quotas: QuotaResolver;
  /** Package databases of both images, for cause attribution; without them causes come from paths only. */
  readonly packages?: { readonly baseline: PackageInventory; readonly current: PackageInventory };
  /** Report only these facets (`--facet`); membership is unaffected (SPEC §5). */
  readonly facetIds?: readonly string[];
}

/** The root of a facet with no entries: SHA-256 of the empty string (RFC 6962). */
export const EMPTY_ROOT = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Stands for the seal of a facet that one side does not have. */
export const NO_SEAL_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The drift between two images, facet by facet (SPEC §9, §10): merge-join diff, score, quota verdict,
 * causes from the package databases, the image's decision. Pure: the caller gathers both sides.
 */
export function computeDrift(baseline: DriftSide, current: DriftSide, options: DriftOptions): DriftReport {
  assertSameFacetDefinitions(baseline, current);
  const packages = options.packages ?? { baseline: EMPTY_INVENTORY, current: EMPTY_INVENTORY };
  const attributor = new Attributor(packages.baseline, packages.current);
  const wanted = options.facetIds === undefined ? undefined : new Set(options.facetIds);

  const baseById = new Map(baseline.facets.map((f) => [f.facetId, f]));
  const curById = new Map(current.facets.map((f) => [f.facetId, f]));
  const ids = [
    ...new Set([...baseline.facets.map((f) => f.facetId), ...current.facets.map((f) => f.facetId)]),
  ];

  const facets: FacetDrift[] = [];
  const shownPackages = new Set<string>();
  for (const facetId of ids) {
    if (wanted !== undefined && !wanted.has(facetId)) continue;
    const b = baseById.get(facetId) ?? emptyFacet(facetId, curById.get(facetId)!.type);
    const c = curById.get(facetId) ?? emptyFacet(facetId, b.type);
    const diff = diffManifests(b, c);
    const entry = (kind: ChangeKind, e: FacetFileEntry, old?: FacetFileEntry): DriftEntry => {
      const why = attributor.attribute(kind, e.path, c.type);
      if (why.packageKey !== undefined) shownPackages.add(why.packageKey);
      const before = kind === 'added' ? undefined : (old ?? e);
      const after = kind === 'removed' ? undefined : e;
      return {
        path: e.path,
        ...(before ? { oldHash: before.contentHash, oldSize: before.size } : {}),
        ...(after ? { newHash: after.contentHash, newSize: after.size } : {}),
        cause: why.cause,
        ...(why.package !== undefined ? { package: why.package } : {}),
        ...(why.detail !== undefined ? { detail: why.detail } : {}),
      };
    };
    const added = diff.added.map((e) => entry('added', e));
    const removed = diff.removed.map((e) => entry('removed', e));
    const modified = diff.modified.map((m) => entry('modified', m.current, m.baseline));
    const score = scoreDrift(
      { added: added.length, removed: removed.length, modified: modified.length },
      b.fileCount,
    );
    facets.push({
      facetId,
      baselineSealId: b.sealId,
      currentSealId: c.sealId,
      baselineMerkleRoot: b.merkleRoot,
      currentMerkleRoot: c.merkleRoot,
      added,
      removed,
      modified,
      score,
      quotaVerdict: evaluateQuota(facetId, score, options.quotas(facetId)),
    });
  }

  const changes = attributor.packageChanges(wanted === undefined ? undefined : shownPackages);
  const notes = [
    ...sideNote('baseline', baseline, options.packages === undefined),
    ...sideNote('current', current, options.packages === undefined),
    ...packages.baseline.notes.map((n) => `baseline: ${n}`),
    ...packages.current.notes.map((n) => `current: ${n}`),
    ...attributor.notes.map((n) => `current: ${n}`),
  ];
  return {
    baseline: baseline.identity,
    current: current.identity,
    facets,
    packages: changes,
    decision: imageDecision(facets.map((f) => f.quotaVerdict)),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function sideNote(side: string, s: DriftSide, noPackages: boolean): string[] {
  if (s.packagesUnavailable !== undefined)
    return [`${side}: no package data (${s.packagesUnavailable}); causes come from paths only`];
  if (noPackages) return [`${side}: no package data; causes come from paths only`];
  return [];
}

function emptyFacet(facetId: string, type: FacetType): SealedFacet {
  return { facetId, type, sealId: NO_SEAL_ID, merkleRoot: EMPTY_ROOT, fileCount: 0, files: [] };
}

/**
 * Seals made with different facet definitions put the same file in different facets: their drift would
 * be meaningless. With the definitions digest on both sides it decides; without it, the facet ids and
 * types must agree.
 */
export function assertSameFacetDefinitions(baseline: DriftSide, current: DriftSide): void {
  const a = baseline.facetDefinitionsDigest;
  const b = current.facetDefinitionsDigest;
  if (a !== undefined && b !== undefined) {
    if (a !== b) {
      throw new DriftError(
        'DRIFT_FACET_DEFINITIONS_DIFFER',
        `the baseline and current seals were made with different facet definitions (${a} vs ${b})`,
        { hint: 'seal both images with the same --facets file (or both with the defaults)' },
      );
    }
    return;
  }
  const types = new Map(baseline.facets.map((f) => [f.facetId, f.type]));
  const curIds = new Set(current.facets.map((f) => f.facetId));
  const onlyBase = baseline.facets.filter((f) => !curIds.has(f.facetId)).map((f) => f.facetId);
  const onlyCur = current.facets.filter((f) => !types.has(f.facetId)).map((f) => f.facetId);
  const retyped = current.facets
    .filter((f) => types.has(f.facetId) && types.get(f.facetId) !== f.type)
    .map((f) => f.facetId);
  if (onlyBase.length + onlyCur.length + retyped.length > 0) {
    const parts = [
      onlyBase.length ? `only in the baseline: ${onlyBase.join(', ')}` : '',
      onlyCur.length ? `only in the current image: ${onlyCur.join(', ')}` : '',
      retyped.length ? `with another type: ${retyped.join(', ')}` : '',
    ].filter(Boolean);
    throw new DriftError(
      'DRIFT_FACET_DEFINITIONS_DIFFER',
      `the baseline and current seals were made with different facet definitions (facets ${parts.join('; ')})`,
      { hint: 'seal both images with the same --facets file (or both with the defaults)' },
    );
  }
}
