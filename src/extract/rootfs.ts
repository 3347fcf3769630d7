import { createHash, hash as oneShotHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { compileClassifier } from '../facets/classifier.ts';
import type { ExtractionAnomaly, FacetFileEntry } from '../model/manifest.ts';
import { ExtractError } from './errors.ts';
import { formatMode, symlinkEntry, type ExtractOptions, type ExtractionResult } from './extract-image.ts';
import { DEFAULT_LIMITS, type ExtractLimits } from './limits.ts';
import { checkModTime, formatModTime } from './mod-time.ts';
import { compareUtf8, joinPath } from './paths.ts';

/** Files at most this big are read whole and hashed in one call; larger ones are streamed. */
const WHOLE_READ_BYTES = 4 << 20;
/** Files hashed at once: enough to keep the disk and the libuv pool busy. */
const PARALLEL_READS = 8;
/** The anomaly "layer" of a plain directory tree. */
export const ROOTFS_LAYER = 'rootfs';

/**
 * `rootfs:` — the same entries as a layered image, read from a plain directory tree (SPEC §3): lstat only,
 * symlinks recorded and never followed, directories/devices/FIFOs/sockets not entries (devices reported).
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
  let entriesRead = 0;
  let unmatchedFiles = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const unreadable = (path: string, error: unknown): ExtractError =>
    new ExtractError(
      'ROOTFS_UNREADABLE',
      `cannot read ${path} under ${rootDir}: ${(error as Error).message}`,
      { cause: error },
    );

  const schedule = async (work: () => Promise<void>): Promise<void> => {
    while (inFlight.size >= PARALLEL_READS) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const p = work()
      .catch((error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    const top = await lstat(rootDir);
    if (!top.isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw unreadable('the root', error);
  }

  const stack: string[] = ['/'];
  while (stack.length > 0) {
    options.signal?.throwIfAborted();
    if (failure !== undefined) break;
    const dirPath = stack.pop()!;
    const fsDir = join(rootDir, dirPath);
    let names: string[];
    try {
      names = [];
      for await (const dirent of await opendir(fsDir)) names.push(dirent.name);
    } catch (error) {
      throw unreadable(dirPath, error);
    }
    for (const name of names) {
      const path = joinPath(dirPath, name);
      const fsPath = join(fsDir, name);
      if (++entriesRead > limits.maxEntries) {
        throw new ExtractError('TOO_MANY_ENTRIES', `${rootDir} has more than ${limits.maxEntries} entries`);
      }
      if (Buffer.byteLength(path) > limits.maxPathBytes) {
        throw new ExtractError(
          'PATH_TOO_LONG',
          `${rootDir}: "${path.slice(0, 80)}…" is longer than ${limits.maxPathBytes} bytes`,
        );
      }
      let st;
      try {
        st = await lstat(fsPath, { bigint: true });
      } catch (error) {
        throw unreadable(path, error);
      }
      const mtimeMs = Number(floorDiv(st.mtimeNs, 1_000_000n));
      if (st.isDirectory()) {
        stack.push(path);
      } else if (st.isSymbolicLink()) {
        const facet = classifier.classify(path);
        if (facet < 0) continue;
        let target: string;
        try {
          target = await readlink(fsPath, 'utf8');
        } catch (error) {
          throw unreadable(path, error);
        }
        entriesByFacet[facet]!.push(symlinkEntry(path, target, checkedTime(mtimeMs, path, rootDir)));
      } else if (st.isFile()) {
        const facet = classifier.classify(path);
        const size = Number(st.size);
        const wantCapture = capture !== null && size <= maxCapture && capture.test(path);
        if (facet < 0) unmatchedFiles++;
        if (facet < 0 && !wantCapture) continue;
        const mode = Number(st.mode);
        await schedule(async () => {
          const bytes =
            size <= WHOLE_READ_BYTES || wantCapture ? await readWhole(fsPath, path, unreadable) : null;
          if (wantCapture && bytes) captured.set(path, bytes);
          if (facet < 0) return;
          const hash = bytes ? oneShotHash('sha256', bytes) : await hashStream(fsPath, path, unreadable);
          entriesByFacet[facet]!.push({
            path,
            type: 'file',
            contentHash: `sha256:${hash}`,
            size,
            mode: formatMode(mode),
            modTime: formatModTime(checkedTime(mtimeMs, path, rootDir)),
          });
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
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  for (const list of entriesByFacet) list.sort((a, b) => compareUtf8(a.path, b.path));
  anomalies.sort((a, b) => compareUtf8(a.path, b.path));
  return { entriesByFacet, captured, report: { layers: 0, entriesRead, unmatchedFiles, anomalies } };
}

async function readWhole(
  fsPath: string,
  path: string,
  unreadable: (p: string, e: unknown) => Error,
): Promise<Uint8Array> {
  try {
    return await readFile(fsPath);
  } catch (error) {
    throw unreadable(path, error);
  }
}

async function hashStream(
  fsPath: string,
  path: string,
  unreadable: (p: string, e: unknown) => Error,
): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(fsPath, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
  } catch (error) {
    throw unreadable(path, error);
  }
  return hash.digest('hex');
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
