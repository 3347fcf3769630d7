import { describe, expect, it } from 'vitest';
import type { FacetFileEntry } from '../model/manifest.ts';
import type { SealSet } from '../model/seal.ts';
import { canonicalEntryJson } from '../seal/canonical-payload.ts';
import { renderSealsJson } from './seals-json.ts';

const file = (path: string): FacetFileEntry => ({
  path,
  type: 'file',
  contentHash: `sha256:${'ab'.repeat(32)}`,
  size: 3,
  mode: '0644',
  modTime: '2024-01-01T00:00:00.000Z',
});
const link: FacetFileEntry = {
  path: '/usr/bin/"quoted" ünï 😀',
  type: 'symlink',
  contentHash: `sha256:${'cd'.repeat(32)}`,
  size: 4,
  mode: '0777',
  modTime: '2024-01-01T00:00:00.000Z',
  linkTarget: 'busybox',
};
// The renderer reads only each seal's manifest; the rest is carried through as it is.
const sealSet = {
  imageRef: 'oci:/tmp/layout:tag',
  imageDigest: `sha256:${'1'.repeat(64)}`,
  seals: [
    {
      sealId: 'a',
      manifest: { facetId: 'os', files: [file('/etc/a'), link] },
      sealedBy: 'zastava-files-0:0',
    },
    { sealId: 'b', manifest: { facetId: 'lang/go', files: [] } },
    { sealId: 'c', manifest: { facetId: 'config', files: [file('/etc/hosts')] } },
  ],
} as unknown as SealSet;

describe('the seals file', () => {
  it('parses back to the seal set, with the entries’ prepared texts or without', () => {
    const prepared = new Map(
      sealSet.seals.map((s) => [s.manifest.facetId, s.manifest.files.map(canonicalEntryJson)]),
    );
    for (const entryJson of [(id: string) => prepared.get(id), () => undefined]) {
      const bytes = renderSealsJson(sealSet, entryJson);
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(sealSet)));
      expect(bytes.at(-1)).toBe(0x0a);
    }
  });

  it('writes each file on a line of its own, indented under its seal', () => {
    const text = renderSealsJson(sealSet, (id) =>
      sealSet.seals.find((s) => s.manifest.facetId === id)!.manifest.files.map(canonicalEntryJson),
    ).toString('utf8');
    const lines = text.split('\n');
    const entry = lines.find((l) => l.includes('"/etc/a"'))!;
    expect(entry).toBe(`          ${canonicalEntryJson(file('/etc/a'))},`);
    expect(lines.filter((l) => l.includes('"contentHash"'))).toHaveLength(3);
    expect(text).toContain('"files": []');
    // Another field that looks like a placeholder is left as it is.
    expect(text).toContain('"sealedBy": "zastava-files-0:0"');
  });

  it('writes long file lists in runs, with one two-byte path among them, the same as one string', () => {
    const files = Array.from({ length: 600 }, (_, i) => file(`/usr/lib/f${String(i).padStart(4, '0')}`));
    files[300] = { ...files[300]!, path: '/usr/lib/f0300-😀' };
    const big = {
      ...sealSet,
      seals: [{ sealId: 'x', manifest: { facetId: 'binary', files } }],
    } as unknown as SealSet;
    const text = renderSealsJson(big, () => files.map(canonicalEntryJson)).toString('utf8');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(big)));
    const lines = text.split('\n').filter((l) => l.includes('"contentHash"'));
    expect(lines).toHaveLength(600);
    expect(
      lines.every((l, i) => l === `          ${canonicalEntryJson(files[i]!)}${i < 599 ? ',' : ''}`),
    ).toBe(true);
  });
});
