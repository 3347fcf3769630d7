import { describe, expect, it } from 'vitest';
import { diffEntries, diffManifests } from './diff.ts';
import { scoreDrift } from './score.ts';
import { entry } from './test-entries.ts';

describe('diffEntries (merge join, SPEC §9)', () => {
  it('finds added, removed and modified entries', () => {
    const base = [entry('/a'), entry('/b'), entry('/c', 'old'), entry('/e')];
    const cur = [entry('/a'), entry('/c', 'new'), entry('/d'), entry('/e')];
    const d = diffEntries(base, cur);
    expect(d.added.map((e) => e.path)).toEqual(['/d']);
    expect(d.removed.map((e) => e.path)).toEqual(['/b']);
    expect(d.modified.map((e) => e.current.path)).toEqual(['/c']);
  });

  it('counts a change of size, mode or type, never of modTime alone', () => {
    const a = entry('/x');
    expect(diffEntries([a], [{ ...a, modTime: '2030-01-01T00:00:00.000Z' }]).modified).toHaveLength(0);
    expect(diffEntries([a], [{ ...a, mode: '4755' }]).modified).toHaveLength(1);
    expect(diffEntries([a], [{ ...a, size: a.size + 1 }]).modified).toHaveLength(1);
    expect(diffEntries([a], [{ ...a, type: 'symlink', linkTarget: '/x' }]).modified).toHaveLength(1);
  });

  it('joins in UTF-8 byte order, not UTF-16 order', () => {
    // U+FF21 (3 UTF-8 bytes) sorts before U+1F600 (4 bytes) in UTF-8, after it in UTF-16.
    const fullwidth = '/\uff21';
    const emoji = '/\u{1f600}';
    const d = diffEntries([entry(fullwidth), entry(emoji)], [entry(fullwidth), entry(emoji, 'x')]);
    expect(d.added).toHaveLength(0);
    expect(d.removed).toHaveLength(0);
    expect(d.modified.map((m) => m.current.path)).toEqual([emoji]);
  });

  it('handles empty sides', () => {
    expect(diffEntries([], [entry('/a')]).added).toHaveLength(1);
    expect(diffEntries([entry('/a')], []).removed).toHaveLength(1);
  });

  it('refuses an unsorted or duplicated list', () => {
    expect(() => diffEntries([entry('/b'), entry('/a')], [])).toThrow(
      expect.objectContaining({ code: 'DRIFT_MANIFEST_UNSORTED' }),
    );
    expect(() => diffEntries([], [entry('/a'), entry('/a')])).toThrow(
      expect.objectContaining({ code: 'DRIFT_MANIFEST_UNSORTED' }),
    );
  });

  it('does not read the entries when the Merkle roots are equal', () => {
    const poisoned = new Proxy([] as ReturnType<typeof entry>[], {
      get() {
        throw new Error('entries were read');
      },
    });
    const root = `sha256:${'a'.repeat(64)}`;
    const d = diffManifests(
      { facetId: 'os', merkleRoot: root, files: poisoned },
      { facetId: 'os', merkleRoot: root, files: poisoned },
    );
    expect(d.added.length + d.removed.length + d.modified.length).toBe(0);
  });
});

describe('scoreDrift', () => {
  it('computes totals and churn against the baseline file count', () => {
    expect(scoreDrift({ added: 1, removed: 2, modified: 2 }, 100)).toEqual({
      totalChanges: 5,
      churnPercent: 5,
      addedCount: 1,
      removedCount: 2,
      modifiedCount: 2,
    });
  });

  it('gives 0 for an empty baseline with nothing added and 100 otherwise', () => {
    expect(scoreDrift({ added: 0, removed: 0, modified: 0 }, 0).churnPercent).toBe(0);
    expect(scoreDrift({ added: 3, removed: 0, modified: 0 }, 0).churnPercent).toBe(100);
  });

  it('gives exactly the decimal value a limit would be written as', () => {
    expect(scoreDrift({ added: 1, removed: 0, modified: 0 }, 1000).churnPercent).toBe(0.1);
    expect(scoreDrift({ added: 7, removed: 0, modified: 0 }, 70).churnPercent).toBe(10);
  });
});
