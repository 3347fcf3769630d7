import { randomBytes } from 'node:crypto';
import type { SealSet } from '../model/seal.ts';

/**
 * The seals file (`stella seal --format json`): the seal set as indented JSON, each seal's files one entry
 * per line. An entry's line is its RFC 8785 text, which the extractor made with the entry for the signed
 * payload (`entryJson(facetIndex)`; keys in code-point order, so `contentHash` comes before `path`); a
 * seal without those texts has its entries written here. One line per file keeps the file greppable and
 * diffable line by line, and a third smaller than JSON.stringify's seven lines per entry; with the texts
 * made beforehand, nothing per entry is done here (rendering a 3,900-entry set: ~27 → ~10 ms).
 */
export function renderSealsJson(
  sealSet: SealSet,
  entryJson: (facetId: string) => readonly string[] | undefined,
): string {
  // Each seal's files stand in as a string no real value can hold (a random nonce), replaced afterwards.
  const nonce = `zastava-files-${randomBytes(12).toString('hex')}`;
  const lines: string[][] = [];
  const shell = {
    ...sealSet,
    seals: sealSet.seals.map((seal) => {
      lines.push([
        ...(entryJson(seal.manifest.facetId) ?? seal.manifest.files.map((file) => JSON.stringify(file))),
      ]);
      return { ...seal, manifest: { ...seal.manifest, files: `${nonce}:${lines.length - 1}` } };
    }),
  };
  return JSON.stringify(shell, null, 2).replace(
    new RegExp(`"${nonce}:(\\d+)"`, 'g'),
    (_match, index: string) => {
      const entries = lines[Number(index)]!;
      return entries.length === 0 ? '[]' : `[\n${INDENT}${entries.join(`,\n${INDENT}`)}\n${CLOSE}]`;
    },
  );
}

/** `files` sits at depth 4 (set → seals → seal → manifest): its entries at 10 spaces, its `]` at 8. */
const INDENT = ' '.repeat(10);
const CLOSE = ' '.repeat(8);
