import { z } from 'zod';
import { Sha256Digest, UtcTimestamp } from './digest.ts';
import { FacetId, FacetType } from './facet.ts';

/** Sizes beyond 2^53 cannot be written exactly as JSON numbers (SPEC §2). */
export const FileSize = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** SPEC §2: four octal digits of `mode & 0o7777`; always "0777" for a symlink. */
export const FileMode = z.string().regex(/^[0-7]{4}$/, 'expected four octal digits');

export const FileType = z.enum(['file', 'symlink']);
export type FileType = z.infer<typeof FileType>;

export const FacetFileEntry = z
  .strictObject({
    path: z.string().startsWith('/'),
    type: FileType,
    contentHash: Sha256Digest,
    size: FileSize,
    mode: FileMode,
    modTime: UtcTimestamp,
    linkTarget: z.string().optional(),
  })
  .refine((e) => (e.type === 'symlink') === (e.linkTarget !== undefined), {
    message: 'linkTarget is required for symlinks and forbidden for files',
    path: ['linkTarget'],
  });
export type FacetFileEntry = z.infer<typeof FacetFileEntry>;

/** Seed §3.2. `files` are sorted by the UTF-8 bytes of their paths (SPEC §6). */
export const FacetManifest = z.strictObject({
  facetId: FacetId,
  type: FacetType,
  files: z.array(FacetFileEntry),
  merkleRoot: Sha256Digest,
  fileCount: z.number().int().min(0),
  totalBytes: FileSize,
  extractedAt: UtcTimestamp,
  extractorVersion: z.string().min(1),
});
export type FacetManifest = z.infer<typeof FacetManifest>;

/** Things seen while reading layers that are not entries but a reviewer should know about (SPEC §4). */
export const ExtractionAnomaly = z.strictObject({
  kind: z.enum(['device', 'hardlink-target-missing', 'ignored-entry']),
  layerDigest: z.string(),
  path: z.string(),
  message: z.string(),
});
export type ExtractionAnomaly = z.infer<typeof ExtractionAnomaly>;

export const ExtractionReport = z.strictObject({
  layers: z.number().int().min(0),
  entriesRead: z.number().int().min(0),
  unmatchedFiles: z.number().int().min(0),
  anomalies: z.array(ExtractionAnomaly),
});
export type ExtractionReport = z.infer<typeof ExtractionReport>;
