import { createHash } from 'node:crypto';
import type { FacetFileEntry } from '../model/manifest.ts';

/** A manifest entry for tests: the content hash is derived from `content`. */
export function entry(path: string, content = path, extra: Partial<FacetFileEntry> = {}): FacetFileEntry {
  const bytes = Buffer.from(content);
  return {
    path,
    type: 'file',
    contentHash: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.byteLength,
    mode: '0644',
    modTime: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}
