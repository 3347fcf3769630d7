import { createHash, hash as oneShotHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { compileClassifier } from '../facets/classifier.ts';
import type { ExtractionAnomaly, FacetFileEntry } from '../model/manifest.ts';
import { ExtractError } from './errors.ts';
import type { ExtractOptions, ExtractionResult } from './extract-image.ts';
import { formatMode, symlinkEntry } from './facet-entry.ts';
import { DEFAULT_LIMITS, type ExtractLimits } from './limits.ts';
import { checkModTime, formatModTime } from './mod-time.ts';
import { compareUtf8, sortEntriesByPath } from '../merkle/order.ts';
import { joinPath } from './paths.ts';

/** The anomaly "layer" of a plain directory tree. */
export const ROOTFS_LAYER = 'rootfs';
/** Reads go through one buffer of this size; a file that fits is hashed in one call. */
const READ_BUFFER_BYTES = 1 << 20;
/** The walk hands the event loop back at least this often (ms): timers and signals still run. */
const SLICE_MS = 20;

/**
 * `rootfs:` — the same entries as a layered image, read from a plain directory tree (SPEC §3): lstat only,
 * symlinks recorded and never followed, directories/devices/FIFOs/sockets not entries (devices reported).
 *
 * The walk uses synchronous calls in slices of ~20 ms between which the event loop runs. A tree of 14k
 * entries costs ~60k file-system calls; through libuv's pool each one is a round trip between threads,
 * which made this 2.5x slower than AIDE on the same tree (docs/decisions.md); in line they cost what the
 * kernel does, and one reused buffer replaces a buffer per file.
 */
export async function extractRootfs(rootDir: string, options: ExtractOptions): Promise<ExtractionResult> {
  const limits: ExtractLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const classifier = compileClassifier(options.facets);
  const capture =
    options.capture && options.capture.patterns.length > 0
      ? new RegExp(options.capture.patterns.map((p) => `(?:${p})`).join('|'))
      : null;
  const maxCapture = options.capture?.maxBytes ?? 0;
  const entriesByFacet: FacetFileEntry[][] = options.facets.map(() => []);
  const captured = new Map<string, Uint8Array>();
  const anomalies: ExtractionAnomaly[] = [];
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let entriesRead = 0;
  let unmatchedFiles = 0;

  const unreadable = (path: string, error: unknown): ExtractError =>
    new ExtractError(
      'ROOTFS_UNREADABLE',
      `cannot read ${path} under ${rootDir}: ${(error as Error).message}`,
      { cause: error },
    );

  try {
    if (!lstatSync(rootDir).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw unreadable('the root', error);
  }

  /** Hashes a regular file (and keeps its bytes when captured); never follows a symlink swapped in. */
  const readFile = (
    fsPath: string,
    path: string,
    size: number,
    keep: boolean,
  ): { hash: string; bytes: Uint8Array | undefined } => {
    let fd: number;
    try {
      fd = openSync(fsPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      throw unreadable(path, error);
    }
    try {
      if (keep) {
        const bytes = new Uint8Array(size);
        let filled = 0;
        while (filled < size) {
          const n = readSync(fd, bytes, filled, size - filled, null);
          if (n === 0) break;
          filled += n;
        }
        const whole = filled === size ? bytes : bytes.subarray(0, filled);
        return { hash: oneShotHash('sha256', whole), bytes: whole };
      }
      const first = readSync(fd, buffer, 0, buffer.length, null);
      if (first < buffer.length)
        return { hash: oneShotHash('sha256', buffer.subarray(0, first)), bytes: undefined };
      const hash = createHash('sha256').update(buffer);
      for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
      return { hash: hash.digest('hex'), bytes: undefined };
    } catch (error) {
      throw unreadable(path, error);
    } finally {
      closeSync(fd);
    }
  };

  const visit = (dirPath: string, fsDir: string, stack: string[]): void => {
    let dirents;
    try {
      dirents = readdirSync(fsDir, { withFileTypes: true });
    } catch (error) {
      throw unreadable(dirPath, error);
    }
    for (const dirent of dirents) {
      const name = dirent.name;
      const path = joinPath(dirPath, name);
      if (++entriesRead > limits.maxEntries) {
        throw new ExtractError('TOO_MANY_ENTRIES', `${rootDir} has more than ${limits.maxEntries} entries`);
      }
      if (Buffer.byteLength(path) > limits.maxPathBytes) {
        throw new ExtractError(
          'PATH_TOO_LONG',
          `${rootDir}: "${path.slice(0, 80)}…" is longer than ${limits.maxPathBytes} bytes`,
        );
      }
      // Directories, FIFOs and sockets need no metadata: only their type, which readdir gives.
      if (dirent.isDirectory()) {
        stack.push(path);
        continue;
      }
      if (dirent.isFIFO() || dirent.isSocket()) continue;
      const fsPath = join(fsDir, name);
      let st;
      try {
        st = lstatSync(fsPath, { bigint: true });
      } catch (error) {
        throw unreadable(path, error);
      }
      const mtimeMs = Number(floorDiv(st.mtimeNs, 1_000_000n));
      if (st.isDirectory()) {
        stack.push(path); // replaced since readdir
      } else if (st.isSymbolicLink()) {
        const facet = classifier.classify(path);
        if (facet < 0) continue;
        let target: string;
        try {
          target = readlinkSync(fsPath, 'utf8');
        } catch (error) {
          throw unreadable(path, error);
        }
        entriesByFacet[facet]!.push(
          symlinkEntry(path, target, formatModTime(checkedTime(mtimeMs, path, rootDir))),
        );
      } else if (st.isFile()) {
        const facet = classifier.classify(path);
        const size = Number(st.size);
        const wantCapture = capture !== null && size <= maxCapture && capture.test(path);
        if (facet < 0) unmatchedFiles++;
        if (facet < 0 && !wantCapture) continue;
        const { hash, bytes } = readFile(fsPath, path, size, wantCapture);
        if (wantCapture && bytes) captured.set(path, bytes);
        if (facet < 0) continue;
        entriesByFacet[facet]!.push({
          path,
          type: 'file',
          contentHash: `sha256:${hash}`,
          size,
          mode: formatMode(Number(st.mode)),
          modTime: formatModTime(checkedTime(mtimeMs, path, rootDir)),
        });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        anomalies.push({
          kind: 'device',
          layerDigest: ROOTFS_LAYER,
          path,
          message: 'device node: not an entry of any facet',
        });
      }
    }
  };

  const stack: string[] = ['/'];
  let slice = performance.now();
  while (stack.length > 0) {
    options.signal?.throwIfAborted();
    if (performance.now() - slice > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
    const dirPath = stack.pop()!;
    visit(dirPath, join(rootDir, dirPath), stack);
  }
  anomalies.sort((a, b) => compareUtf8(a.path, b.path));
  return {
    entriesByFacet: entriesByFacet.map(sortEntriesByPath),
    captured,
    report: { layers: 0, entriesRead, unmatchedFiles, anomalies },
  };
}

function checkedTime(ms: number, path: string, rootDir: string): number {
  if (!checkModTime(ms))
    throw new ExtractError('ROOTFS_UNREADABLE', `${rootDir}: ${path} has an mtime outside years 0000–9999`);
  return ms;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
