import { hash } from 'node:crypto';
import { leafHashBinary } from '../merkle/leaf.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import { canonicalEntryJson } from '../seal/canonical-payload.ts';
import { formatModTime } from './mod-time.ts';

/**
 * A facet's entry, its Merkle leaf hash (32-character latin1 string) and its RFC 8785 text (what the
 * signed payload and the seals file hold), keyed by path for sorting.
 */
export interface PreparedEntry {
  readonly path: string;
  readonly entry: FacetFileEntry;
  readonly leaf: string;
  readonly json: string;
}

/** What a file or symlink node in a facet holds (fs-tree.ts's nodes, without their tree bookkeeping). */
export type EntrySource =
  | {
      readonly kind: 'file';
      readonly hash: string;
      readonly size: number;
      readonly mode: number;
      readonly mtimeMs: number;
    }
  | { readonly kind: 'symlink'; readonly target: string; readonly mtimeMs: number };

/**
 * Builds facet entries with their leaf hashes and texts. An extraction prepares each entry as its record
 * is applied, in the loop that applies them, where this code runs hot: in the tail after the last layer,
 * once per entry, the same work ran cold and took most of the time `stella seal` spends after reading
 * (docs/decisions.md, "Seal benchmark, fifth pass"). An image's files share few distinct times and
 * modes: each is formatted once.
 */
export class EntryPreparer {
  private readonly modTimes = new Map<number, string>();

  prepare(path: string, node: EntrySource): PreparedEntry {
    const modTime = this.modTime(node.mtimeMs);
    const entry =
      node.kind === 'file'
        ? {
            path,
            type: 'file' as const,
            contentHash: `sha256:${node.hash}`,
            size: node.size,
            mode: formatMode(node.mode),
            modTime,
          }
        : symlinkEntry(path, node.target, modTime);
    return { path, entry, leaf: leafHashBinary(entry), json: canonicalEntryJson(entry) };
  }

  private modTime(ms: number): string {
    let text = this.modTimes.get(ms);
    if (text === undefined) this.modTimes.set(ms, (text = formatModTime(ms)));
    return text;
  }
}

/** SPEC §2: four octal digits of `mode & 0o7777`. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * SPEC §2: a symlink's content is the UTF-8 bytes of its target; its mode is always 0777. `modTime` is
 * SPEC §2's text of the link's time (formatModTime).
 */
export function symlinkEntry(path: string, target: string, modTime: string): FacetFileEntry {
  return {
    path,
    type: 'symlink',
    contentHash: `sha256:${hash('sha256', target, 'hex')}`,
    size: Buffer.byteLength(target, 'utf8'),
    mode: '0777',
    modTime,
    linkTarget: target,
  };
}
