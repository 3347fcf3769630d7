import { compareUtf8 } from '../merkle/index.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import { DriftError } from './errors.ts';

/** The part of an entry that drift compares: `modTime` is absent on purpose (SPEC §9). */
export type DiffableEntry = Pick<FacetFileEntry, 'path' | 'type' | 'contentHash' | 'size' | 'mode'>;

export interface EntryDiff<E extends DiffableEntry = DiffableEntry> {
  /** Only in current. */
  readonly added: E[];
  /** Only in baseline. */
  readonly removed: E[];
  /** In both, with a different contentHash, size, mode or type. */
  readonly modified: { readonly baseline: E; readonly current: E }[];
}

/** Both sides of a facet as drift needs them: the sorted entries and their Merkle root. */
export interface DiffableManifest<E extends DiffableEntry = DiffableEntry> {
  readonly facetId: string;
  readonly merkleRoot: string;
  readonly files: readonly E[];
}

export function entryChanged(a: DiffableEntry, b: DiffableEntry): boolean {
  return a.contentHash !== b.contentHash || a.size !== b.size || a.mode !== b.mode || a.type !== b.type;
}

/**
 * Drift between two manifests of one facet. Equal Merkle roots mean equal leaves (path, type, hash,
 * size, mode), so the entries are not read at all; otherwise a merge join over the two lists.
 */
export function diffManifests<E extends DiffableEntry>(
  baseline: DiffableManifest<E>,
  current: DiffableManifest<E>,
): EntryDiff<E> {
  if (baseline.merkleRoot === current.merkleRoot) return { added: [], removed: [], modified: [] };
  return diffEntries(baseline.files, current.files, baseline.facetId);
}

/**
 * Merge join over two entry lists sorted by the UTF-8 bytes of their paths (SPEC §6), O(n + m).
 * Sorting is checked as the join advances, at the cost of one comparison per entry: a list out of
 * order would silently report an entry as both removed and added.
 */
export function diffEntries<E extends DiffableEntry>(
  baseline: readonly E[],
  current: readonly E[],
  facetId = '',
): EntryDiff<E> {
  const added: E[] = [];
  const removed: E[] = [];
  const modified: { baseline: E; current: E }[] = [];
  let i = 0;
  let j = 0;
  const n = baseline.length;
  const m = current.length;
  while (i < n && j < m) {
    const b = baseline[i]!;
    const c = current[j]!;
    if (b.path === c.path) {
      if (entryChanged(b, c)) modified.push({ baseline: b, current: c });
      checkNext(baseline, i, 'baseline', facetId);
      checkNext(current, j, 'current', facetId);
      i++;
      j++;
    } else if (compareUtf8(b.path, c.path) < 0) {
      removed.push(b);
      checkNext(baseline, i, 'baseline', facetId);
      i++;
    } else {
      added.push(c);
      checkNext(current, j, 'current', facetId);
      j++;
    }
  }
  for (; i < n; i++) {
    removed.push(baseline[i]!);
    checkNext(baseline, i, 'baseline', facetId);
  }
  for (; j < m; j++) {
    added.push(current[j]!);
    checkNext(current, j, 'current', facetId);
  }
  return { added, removed, modified };
}

/** Throws unless the entry after `i` sorts strictly after it. */
function checkNext(list: readonly DiffableEntry[], i: number, side: string, facetId: string): void {
  const next = list[i + 1];
  if (next === undefined) return;
  const path = list[i]!.path;
  if (compareUtf8(path, next.path) >= 0) {
    throw new DriftError(
      'DRIFT_MANIFEST_UNSORTED',
      `${side} manifest of facet "${facetId}" is not sorted by UTF-8 path with unique paths: ` +
        `${JSON.stringify(path)} is followed by ${JSON.stringify(next.path)}`,
      { hint: 'manifests written by `stella seal` are sorted; was the seals file edited?' },
    );
  }
}
