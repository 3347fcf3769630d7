import { z } from 'zod';
import { formatReference, parseReference, repositoryOf } from '../image/reference.ts';
import type { Tenant } from '../model/tenant.ts';
import { StoreError } from './errors.ts';
import { parseRow } from './rows.ts';
import { imageDigestsForRef } from './seals.ts';
import type { Store } from './store.ts';

export interface ApprovalTarget {
  readonly repository: string;
  readonly imageDigest: string;
}

export interface ApprovalTargetOptions {
  /** The image digest, for a reference that names none (a tag). */
  readonly digest?: string | undefined;
  /** The repository, overriding the one the reference names. */
  readonly repository?: string | undefined;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const RefRow = z.object({ image_ref: z.string() });

/**
 * What `stella baseline approve IMAGE` approves: a repository and a digest whose seals are stored.
 * - `sha256:…` or `stored:sha256:…`: that digest; the repository of the reference it was sealed from.
 * - a reference with a digest (`repo@sha256:…`, `oci:dir@sha256:…`): that digest, its repository.
 * - a reference without one (`repo:tag`, `docker-archive:x.tar`): `--digest`, else the one digest whose
 *   seals were stored from exactly that reference; several is IMAGE_AMBIGUOUS (a moved tag).
 */
export async function resolveApprovalTarget(
  store: Store,
  tenant: Tenant,
  image: string,
  options: ApprovalTargetOptions = {},
): Promise<ApprovalTarget> {
  const bare = image.startsWith('stored:') ? image.slice('stored:'.length) : image;
  if (DIGEST.test(bare)) {
    const imageDigest = pickDigest(bare, options.digest, image);
    const repository = options.repository ?? (await repositoryOfStored(store, tenant, imageDigest));
    return { repository, imageDigest };
  }
  const ref = parseReference(image);
  const repository = options.repository ?? repositoryOf(ref);
  const named = 'digest' in ref ? ref.digest : undefined;
  if (named !== undefined || options.digest !== undefined)
    return { repository, imageDigest: pickDigest(named, options.digest, image) };
  const candidates = [...new Set([image, formatReference(ref)])];
  const digests = await store.db.withTenant(tenant, async (sql) => {
    const found = new Set<string>();
    for (const text of candidates) for (const d of await imageDigestsForRef(sql, tenant, text)) found.add(d);
    return [...found];
  });
  if (digests.length === 1) return { repository, imageDigest: digests[0]! };
  if (digests.length === 0)
    throw new StoreError('SEALS_NOT_FOUND', `no seals stored for tenant ${tenant} were made from ${image}`, {
      hint: 'name the digest: --digest sha256:…, or store the seals first',
    });
  throw new StoreError(
    'IMAGE_AMBIGUOUS',
    `${image} was sealed as ${digests.length} different images: ${digests.join(', ')}`,
    { hint: 'the tag moved; name the one to approve with --digest' },
  );
}

function pickDigest(named: string | undefined, flag: string | undefined, image: string): string {
  if (named !== undefined && flag !== undefined && named !== flag)
    throw new StoreError('IMAGE_AMBIGUOUS', `${image} names digest ${named} but --digest says ${flag}`);
  const digest = named ?? flag;
  if (digest === undefined || !DIGEST.test(digest))
    throw new StoreError('SEALS_NOT_FOUND', `"${digest ?? ''}" is not a sha256 image digest`);
  return digest;
}

async function repositoryOfStored(store: Store, tenant: Tenant, imageDigest: string): Promise<string> {
  const rows = await store.db.withTenant(tenant, (sql) =>
    sql.query(
      'SELECT image_ref FROM facet_seals WHERE tenant = $1 AND image_digest = $2 ORDER BY sealed_at DESC LIMIT 1',
      [tenant, imageDigest],
    ),
  );
  if (rows[0] === undefined)
    throw new StoreError(
      'SEALS_NOT_FOUND',
      `no seals of image ${imageDigest} are stored for tenant ${tenant}`,
    );
  const imageRef = parseRow(RefRow, rows[0], 'facet_seals').image_ref;
  try {
    return repositoryOf(parseReference(imageRef));
  } catch (cause) {
    throw new StoreError(
      'IMAGE_REPOSITORY_UNKNOWN',
      `image ${imageDigest} was sealed from "${imageRef}", whose repository cannot be read`,
      { cause, hint: 'name it with --repository' },
    );
  }
}
