import type { QuotaLimits } from '../model/facet.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import type { FacetSealPayload } from '../model/seal.ts';
import { SealError } from './errors.ts';

/**
 * RFC 8785 text of values of a known, schema-validated shape, without the generic canonicaliser. For a
 * known shape RFC 8785 is JSON.stringify with the keys in UTF-16 order: its strings (well-formed) and
 * its numbers are written exactly as ECMAScript writes them. So the keys are laid out in that order by
 * hand and each value is written by JSON.stringify: the same bytes as `canonicalJson` (property tests
 * check it) at a fraction of the cost, which matters when a 10,000-entry seal is verified and stored.
 *
 * Entry keys: contentHash < linkTarget < modTime < mode < path < size < type ("modTime" < "mode" since
 * "T" < "e"). Payload keys: _type < configDigest < facetId < facetType < imageDigest < imageRef <
 * manifest < quota < sealId < sealedAt < sealedBy; manifest: extractedAt < extractorVersion < fileCount
 * < files < merkleRoot < totalBytes; quota: maxAddedFiles < maxChangedFiles < maxChurnPercent <
 * maxRemovedFiles < onExceed.
 */

export interface CanonicalSealPayload {
  /** The whole payload: what the envelope must carry byte for byte. */
  readonly text: string;
  /** The `files` array inside it, which is also the `files` array of the CAS manifest (src/store). */
  readonly files: string;
}

/**
 * `filesJson`, when given, is the text of `p.manifest.files` made beforehand from the same entries (the
 * extractor makes each entry's text with the entry, src/extract/facet-entry.ts; tests hold the two equal).
 */
export function canonicalSealPayload(p: FacetSealPayload, filesJson?: string): CanonicalSealPayload {
  const files = filesJson ?? canonicalEntriesJson(p.manifest.files);
  const m = p.manifest;
  const text =
    `{"_type":${str(p._type)},"configDigest":${str(p.configDigest)},"facetId":${str(p.facetId)}` +
    `,"facetType":${str(p.facetType)},"imageDigest":${str(p.imageDigest)},"imageRef":${str(p.imageRef)}` +
    `,"manifest":{"extractedAt":${str(m.extractedAt)},"extractorVersion":${str(m.extractorVersion)}` +
    `,"fileCount":${int(m.fileCount)},"files":${files},"merkleRoot":${str(m.merkleRoot)}` +
    `,"totalBytes":${int(m.totalBytes)}},"quota":${quota(p.quota)},"sealId":${str(p.sealId)}` +
    `,"sealedAt":${str(p.sealedAt)},"sealedBy":${str(p.sealedBy)}}`;
  return { text, files };
}

/** The RFC 8785 text of a files array (entries of FacetFileEntry's shape). */
export function canonicalEntriesJson(files: readonly FacetFileEntry[]): string {
  return JSON.stringify(files.map(orderedEntry));
}

/** The RFC 8785 text of one entry: `canonicalEntriesJson` is these, comma-separated in brackets. */
export function canonicalEntryJson(entry: FacetFileEntry): string {
  return JSON.stringify(orderedEntry(entry));
}

function orderedEntry(e: FacetFileEntry): Record<string, unknown> {
  wellFormed(e.path);
  int(e.size);
  if (e.linkTarget === undefined)
    return {
      contentHash: e.contentHash,
      modTime: e.modTime,
      mode: e.mode,
      path: e.path,
      size: e.size,
      type: e.type,
    };
  wellFormed(e.linkTarget);
  return {
    contentHash: e.contentHash,
    linkTarget: e.linkTarget,
    modTime: e.modTime,
    mode: e.mode,
    path: e.path,
    size: e.size,
    type: e.type,
  };
}

function quota(q: QuotaLimits | null): string {
  if (q === null) return 'null';
  return (
    `{"maxAddedFiles":${int(q.maxAddedFiles)},"maxChangedFiles":${int(q.maxChangedFiles)}` +
    `,"maxChurnPercent":${num(q.maxChurnPercent)},"maxRemovedFiles":${int(q.maxRemovedFiles)}` +
    `,"onExceed":${str(q.onExceed)}}`
  );
}

function str(text: string): string {
  return JSON.stringify(wellFormed(text));
}

/** Lone surrogates have no RFC 8785 form (JSON.stringify would escape them); schema-valid text can hold one. */
function wellFormed(text: string): string {
  if (!text.isWellFormed())
    throw new SealError(
      'CANONICAL_LONE_SURROGATE',
      `"${text.toWellFormed()}" holds an unpaired UTF-16 surrogate`,
    );
  return text;
}

function int(n: number): string {
  if (!Number.isSafeInteger(n))
    throw new SealError('CANONICAL_UNSAFE_INTEGER', `${n} is not an integer that JSON numbers carry exactly`);
  return String(n);
}

function num(n: number): string {
  if (!Number.isFinite(n))
    throw new SealError('CANONICAL_NUMBER_NOT_FINITE', `${n} is not a number JSON can represent`);
  return JSON.stringify(n);
}
