import type { DriftScore } from '../model/drift.ts';

/**
 * SPEC §9. `churnPercent` is computed as `(100 × total) / count`, one correctly rounded division of
 * integers, so a churn exactly equal to a decimal limit (5 of 100 against 5.0) compares equal to it.
 * An empty baseline gives 0 when nothing was added and 100 otherwise.
 */
export function scoreDrift(
  counts: { added: number; removed: number; modified: number },
  baselineFileCount: number,
): DriftScore {
  const totalChanges = counts.added + counts.removed + counts.modified;
  const churnPercent =
    baselineFileCount === 0 ? (counts.added > 0 ? 100 : 0) : (100 * totalChanges) / baselineFileCount;
  return {
    totalChanges,
    churnPercent,
    addedCount: counts.added,
    removedCount: counts.removed,
    modifiedCount: counts.modified,
  };
}
