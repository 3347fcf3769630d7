import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { OpenImageOptions } from '../image/index.ts';
import type { FacetDefinition, PartialQuota } from '../model/facet.ts';
import { SealSet } from '../model/seal.ts';
import { appliedQuota, readImage, type SealImageOptions } from '../seal/seal-image.ts';
import { verifySeal, type TrustStore } from '../seal/index.ts';
import { DriftError } from './errors.ts';
import { facetDefinitionsDigest } from '../facets/definitions-digest.ts';
import { sideFromSeals } from './from-seals.ts';
import { PACKAGE_DB_CAPTURE } from './packages/capture.ts';
import type { PackageInventory } from './packages/inventory.ts';
import { readPackageInventory } from './packages/read.ts';
import type { DriftSide } from './report.ts';

/**
 * Drift inputs (SPEC §9): an image reference, sealed on the fly (no signature needed), or a seals file
 * written by `stella seal`, verified unless told not to. This file is the I/O edge of src/drift.
 */
export interface LoadedSide {
  readonly side: DriftSide;
  /** Package databases, for an image read here; absent for a seals file. */
  readonly packages?: PackageInventory;
  /** Quotas the seals recorded, by facet id: a quota source below the facet definitions. */
  readonly sealedQuotas: Readonly<Record<string, PartialQuota | null>>;
  /** The input named one seal (`seal:UUID`): the drift is of this facet alone. */
  readonly onlyFacet?: string;
}

export interface LoadSideOptions {
  /** The full ordered facet definitions used to seal image references. */
  readonly facets: FacetDefinition[];
  readonly open?: OpenImageOptions;
  /** How seals files are verified; `null` = `--no-verify`. */
  readonly trust: TrustStore | null;
  readonly onProgress?: SealImageOptions['onProgress'];
  readonly signal?: AbortSignal;
}

const TRANSPORT = /^(?:docker|oci|oci-archive|docker-archive|rootfs):/;

/** A seals file when the text names an existing regular file and has no transport prefix. */
export async function isSealsFile(text: string): Promise<boolean> {
  if (TRANSPORT.test(text)) return false;
  const info = await stat(text).catch(() => undefined);
  return info?.isFile() === true;
}

export async function loadDriftSide(text: string, options: LoadSideOptions): Promise<LoadedSide> {
  return (await isSealsFile(text)) ? loadSealsFile(text, options.trust) : loadImage(text, options);
}

async function loadImage(ref: string, options: LoadSideOptions): Promise<LoadedSide> {
  const read = await readImage(ref, {
    facets: options.facets,
    sealedBy: 'stella drift',
    capture: { patterns: [...PACKAGE_DB_CAPTURE.patterns], maxBytes: PACKAGE_DB_CAPTURE.maxBytes },
    ...(options.open ? { open: options.open } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const side: DriftSide = {
    identity: { imageRef: read.imageRef, imageDigest: read.imageDigest, configDigest: read.configDigest },
    facetDefinitionsDigest: facetDefinitionsDigest(options.facets),
    facets: read.manifests.map((m, i) => ({
      facetId: m.facetId,
      type: m.type,
      sealId: randomUUID(),
      merkleRoot: m.merkleRoot,
      fileCount: m.fileCount,
      files: m.files,
      appliedQuota: appliedQuota(options.facets[i]!),
    })),
  };
  return { side, packages: readPackageInventory(read.extraction.captured), sealedQuotas: {} };
}

async function loadSealsFile(path: string, trust: TrustStore | null): Promise<LoadedSide> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DriftError('DRIFT_INPUT_UNREADABLE', `cannot read seals file ${path}`, { cause: error });
  }
  const parsed = SealSet.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DriftError(
      'DRIFT_INPUT_INVALID',
      `${path}: not a seals file: ${issue.path.join('.') || '(document)'}: ${issue.message}`,
      {
        hint: 'a seals file is what `stella seal --format json` writes',
      },
    );
  }
  return sideFromSealSet(parsed.data, trust, path, `${path} is a seals file`);
}

/**
 * A drift side from a seal set (a seals file or the store): each seal verified unless `trust` is null,
 * and every seal of the image the set names. `origin` names the input in errors.
 */
export function sideFromSealSet(
  set: SealSet,
  trust: TrustStore | null,
  origin: string,
  packagesUnavailable: string,
): LoadedSide {
  for (const seal of set.seals) {
    if (trust !== null) {
      try {
        verifySeal(seal, trust);
      } catch (error) {
        throw new DriftError(
          'DRIFT_SEAL_INVALID',
          `${origin}: seal of facet ${seal.manifest.facetId} failed verification`,
          {
            cause: error,
            hint: 'check --key/--keyring; --no-verify compares the file as it is, without any check',
          },
        );
      }
    }
    if (seal.imageDigest !== set.imageDigest || seal.configDigest !== set.configDigest) {
      throw new DriftError(
        'DRIFT_SEAL_INVALID',
        `${origin}: the seal of facet ${seal.manifest.facetId} is of image ${seal.imageDigest} (config ${seal.configDigest}), the set says ${set.imageDigest} (config ${set.configDigest})`,
      );
    }
  }
  const side = sideFromSeals(
    { imageRef: set.imageRef, imageDigest: set.imageDigest, configDigest: set.configDigest },
    set.seals,
    {
      ...(set.facetDefinitionsDigest ? { facetDefinitionsDigest: set.facetDefinitionsDigest } : {}),
      packagesUnavailable,
    },
  );
  return {
    side,
    sealedQuotas: Object.fromEntries(set.seals.map((s) => [s.manifest.facetId, s.appliedQuota])),
  };
}
