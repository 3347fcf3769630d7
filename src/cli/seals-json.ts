import { randomBytes } from 'node:crypto';
import type { SealSet } from '../model/seal.ts';

/**
 * The seals file (`stella seal --format json`): the seal set as indented JSON, each seal's files one entry
 * per line, as UTF-8 bytes ending in a newline. An entry's line is its RFC 8785 text, which the extractor
 * made with the entry for the signed payload (`entryJson(facetIndex)`; keys in code-point order, so
 * `contentHash` comes before `path`); a seal without those texts has its entries written here. One line
 * per file keeps the file greppable and diffable line by line, and a third smaller than
 * JSON.stringify's seven lines per entry; with the texts made beforehand, nothing per entry is done here.
 *
 * Encoded part by part rather than joined into one string: one path with a character above U+00FF makes
 * a joined string two-byte throughout, and V8 then encodes all 2 MB of it on its slow path (~6–9 ms for
 * the corpus image, where runs of entries take ~1; docs/decisions.md, "Seal benchmark, sixth pass").
 */
export function renderSealsJson(
  sealSet: SealSet,
  entryJson: (facetId: string) => readonly string[] | undefined,
): Buffer {
  // Each seal's files stand in as a string no real value can hold (a random nonce), replaced afterwards.
  const nonce = `zastava-files-${randomBytes(12).toString('hex')}`;
  const lines: Array<readonly string[]> = [];
  const shell = {
    ...sealSet,
    seals: sealSet.seals.map((seal) => {
      lines.push(entryJson(seal.manifest.facetId) ?? seal.manifest.files.map((file) => JSON.stringify(file)));
      return { ...seal, manifest: { ...seal.manifest, files: `${nonce}:${lines.length - 1}` } };
    }),
  };
  const text = JSON.stringify(shell, null, 2);
  // The placeholders come in the seals' order.
  const parts: string[] = [];
  let at = 0;
  lines.forEach((entries, k) => {
    const placeholder = `"${nonce}:${k}"`;
    const found = text.indexOf(placeholder, at);
    if (found === -1) throw new Error(`internal: the files of seal ${k} were not placed`);
    parts.push(text.slice(at, found));
    if (entries.length === 0) parts.push('[]');
    else {
      // Joined in runs: a run is one fast encode unless one of its entries is two-byte, which then slows
      // only its own run; each part costs a call into the encoder, ~0.5 µs cold.
      parts.push(`[\n${INDENT}`);
      for (let i = 0; i < entries.length; i += RUN) {
        if (i > 0) parts.push(SEPARATOR);
        parts.push(entries.slice(i, i + RUN).join(SEPARATOR));
      }
      parts.push(`\n${CLOSE}]`);
    }
    at = found + placeholder.length;
  });
  parts.push(text.slice(at), '\n');
  return encodeParts(parts);
}

/** `files` sits at depth 4 (set → seals → seal → manifest): its entries at 10 spaces, its `]` at 8. */
const INDENT = ' '.repeat(10);
const CLOSE = ' '.repeat(8);
const SEPARATOR = `,\n${INDENT}`;
const RUN = 256;

/** The UTF-8 bytes of `parts.join('')`, each part encoded on its own. */
function encodeParts(parts: readonly string[]): Buffer {
  let length = 0;
  for (const part of parts) length += Buffer.byteLength(part, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const part of parts) offset += bytes.write(part, offset, 'utf8');
  return bytes;
}
