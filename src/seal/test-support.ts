// Builders shared by this module's tests (not imported by production code).
import { createHash } from 'node:crypto';
import { computeMerkle, sortEntriesByPath } from '../merkle/index.ts';
import type { FacetFileEntry, FacetManifest } from '../model/manifest.ts';
import type { QuotaLimits } from '../model/facet.ts';

const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export function file(path: string, content: string, mode = '0644'): FacetFileEntry {
  return {
    path,
    type: 'file',
    contentHash: sha(content),
    size: Buffer.byteLength(content),
    mode,
    modTime: '2026-01-01T00:00:00.000Z',
  };
}

export function symlink(path: string, target: string): FacetFileEntry {
  return { ...file(path, target, '0777'), type: 'symlink', linkTarget: target };
}

/** A consistent manifest: files sorted by UTF-8 path, root and counts computed. */
export function manifestOf(files: FacetFileEntry[], facetId = 'os'): FacetManifest {
  const sorted = sortEntriesByPath(files);
  return {
    facetId,
    type: 'OS',
    files: sorted,
    merkleRoot: computeMerkle(sorted).root,
    fileCount: sorted.length,
    totalBytes: sorted.reduce((sum, f) => sum + f.size, 0),
    extractedAt: '2026-01-05T10:00:00.000Z',
    extractorVersion: '0.1.0',
  };
}

export const QUOTA: QuotaLimits = {
  maxChurnPercent: 5,
  maxChangedFiles: 50,
  maxAddedFiles: 25,
  maxRemovedFiles: 10,
  onExceed: 'Warn',
};

export const IMAGE = {
  imageRef: 'registry.example.com/app:v1.2.3',
  imageDigest: sha('image'),
  configDigest: sha('config'),
};

export const SAMPLE_FILES: FacetFileEntry[] = [
  file('/etc/os-release', 'ID=debian\n'),
  file('/usr/bin/su', 'su', '4755'),
  symlink('/usr/bin/sh', 'dash'),
  file('/etc/app/\u{1F600}.yaml', 'emoji: true\n'),
  file('/etc/app/\uFB33.conf', 'dalet\n'),
  file('/var/lib/dpkg/status', 'Package: base-files\n'),
  file('/usr/share/empty', ''),
];

export function sealRequest(overrides: { sealedAt?: string; files?: FacetFileEntry[] } = {}) {
  return {
    manifest: manifestOf(overrides.files ?? SAMPLE_FILES),
    ...IMAGE,
    quota: QUOTA,
    sealedBy: 'test-worker',
    sealId: '550e8400-e29b-41d4-a716-446655440000',
    sealedAt: overrides.sealedAt ?? '2026-01-05T10:05:00.000Z',
  };
}
