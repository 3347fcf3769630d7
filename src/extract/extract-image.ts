import { availableParallelism } from 'node:os';
import type { ImageSource, ResolvedImage } from '../image/source.ts';
import { facetMatchers } from '../facets/load.ts';
import type { FacetDefinition } from '../model/facet.ts';
import type { ExtractionAnomaly, ExtractionReport, FacetFileEntry } from '../model/manifest.ts';
import { ExtractError } from './errors.ts';
import { EntryPreparer, type PreparedEntry } from './facet-entry.ts';
import { FsTree, type DirNode, type FileNode } from './fs-tree.ts';
import type { LayerJob } from './layer-reader.ts';
import type { CaptureOptions, LayerRecord } from './layer-records.ts';
import {
  defaultWorkerCount,
  inlineRunner,
  workerPool,
  type LayerPool,
  type LayerRunner,
} from './layer-runner.ts';
import { DEFAULT_LIMITS, type ExtractLimits } from './limits.ts';
import { joinPath } from './paths.ts';
import { compareUtf8, sortEntriesByPath } from '../merkle/order.ts';

/** Below this stored size, layers are read on the calling thread by default (workers cost ~30 ms to start). */
export const INLINE_BELOW_BYTES = 16 << 20;

export interface ExtractProgress {
  /** Index of the layer whose bytes were just read (0 = lowest). */
  readonly layer: number;
  readonly layers: number;
  /** Stored (compressed) bytes read so far, over all layers. */
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface ExtractOptions {
  /** The full ordered definitions: membership is first match over all of them (SPEC §5). */
  facets: FacetDefinition[];
  /** Final-state contents of regular files whose path matches, for package-database readers. */
  capture?: CaptureOptions;
  limits?: Partial<ExtractLimits>;
  onProgress?: (p: ExtractProgress) => void;
  /**
   * Phase boundaries, for timing (`stella seal` turns them into User Timing marks that
   * bench/seal/timeline.ts reads): `layer:N:start`, `layer:N:done`, `layers-applied`.
   */
  onPhase?: (phase: string) => void;
  signal?: AbortSignal;
  /** Layers read at once (default: the number of cores, at most the number of layers). */
  concurrency?: number;
  /**
   * Read layers on the calling thread (decompression still runs on libuv's pool) instead of worker
   * threads. Default: inline only for images under 16 MiB stored, where starting a worker costs more than
   * it saves; otherwise one worker per two cores (docs/decisions.md, "Layer reading: threads").
   */
  inline?: boolean;
  /** Worker threads to reuse across extractions (a long-running server); left open. Implies workers. */
  pool?: LayerPool;
}

export interface ExtractionResult {
  /** Aligned with `options.facets`; each sorted by the UTF-8 bytes of `path`. */
  entriesByFacet: FacetFileEntry[][];
  /**
   * Aligned with `entriesByFacet`: each entry's Merkle leaf hash as a 32-character binary string
   * (`leafHashBinary`), computed as the entry was made. Absent: the caller hashes the leaves.
   */
  leavesByFacet?: string[][];
  /** Aligned with `entriesByFacet`: each entry's RFC 8785 text (`canonicalEntryJson`), made with it. */
  entryJsonByFacet?: string[][];
  report: ExtractionReport;
  captured: Map<string, Uint8Array>;
}

/**
 * Reads every layer of `resolved` from `source` (verifying both digests of each), applies them in order
 * (SPEC §4) and returns the entries of each facet. Layers are read concurrently (on worker threads or on
 * this thread, see `inline`) and applied on this thread, in order, as they complete.
 */
export async function extractImage(
  source: ImageSource,
  resolved: ResolvedImage,
  options: ExtractOptions,
): Promise<ExtractionResult> {
  const limits: ExtractLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const matchers = await facetMatchers(options.facets);
  const layers = resolved.layers;
  const concurrency = Math.max(
    1,
    Math.min(options.concurrency ?? availableParallelism(), Math.max(1, layers.length)),
  );
  const totalBytes = layers.reduce((n, l) => n + l.size, 0);
  const inline = options.inline ?? (options.pool === undefined && totalBytes < INLINE_BELOW_BYTES);
  const runner: LayerRunner = inline
    ? inlineRunner()
    : (options.pool ?? workerPool(Math.min(defaultWorkerCount(), concurrency)));
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  let bytes = 0;
  let entriesRead = 0;

  const jobFor = (layerIndex: number, only?: number[]): LayerJob => ({
    layerIndex,
    layer: layers[layerIndex]!,
    matchers,
    capture: options.capture,
    limits,
    only,
  });
  const readInto = async (job: LayerJob, sink: (records: LayerRecord[]) => void): Promise<void> => {
    // A blob on disk is read into a few reused buffers (no buffer per chunk); others are streamed.
    const region = await source.openBlobRegion?.(job.layer.digest, job.layer.size);
    const blob = region ?? (await source.openBlob(job.layer.digest, job.layer.size, signal));
    if (job.only === undefined) options.onPhase?.(`layer:${job.layerIndex}:start`);
    try {
      await runner.run(
        job,
        blob,
        (records) => {
          if (job.only === undefined) {
            entriesRead += records.length;
            if (entriesRead > limits.maxEntries) {
              throw new ExtractError(
                'TOO_MANY_ENTRIES',
                `image has more than ${limits.maxEntries} entries (at layer ${job.layer.digest})`,
              );
            }
          }
          sink(records);
        },
        (n) => {
          if (job.only !== undefined) return;
          bytes += n;
          options.onProgress?.({ layer: job.layerIndex, layers: layers.length, bytes, totalBytes });
        },
        signal,
      );
      if (job.only === undefined) options.onPhase?.(`layer:${job.layerIndex}:done`);
    } finally {
      await region?.close();
    }
  };

  try {
    const preparer = new EntryPreparer();
    const tree = new FsTree(preparer);
    const finished = new Map<number, LayerRecord[][]>();
    let nextToApply = 0;
    await forEachLimited(layers.length, concurrency, controller, async (i) => {
      const batches: LayerRecord[][] = [];
      if (i === 0) {
        // The lowest layer has nothing below it for its whiteouts and opaque markers to hide: its entries
        // are applied batch by batch while it is read, not all at once after it (~40 ms off the end of a
        // 12k-entry base layer). Layers above wait for every layer below (SPEC §4).
        await readInto(jobFor(0), (records) => tree.applyEntries(records, 0, layers[0]!.digest));
      } else {
        await readInto(jobFor(i), (records) => {
          batches.push(records);
          tree.prepareAhead(records, i);
        });
      }
      finished.set(i, batches);
      while (finished.has(nextToApply)) {
        if (nextToApply > 0) {
          tree.applyLayer(finished.get(nextToApply)!.flat(), nextToApply, layers[nextToApply]!.digest);
        }
        finished.delete(nextToApply);
        nextToApply++;
      }
    });
    options.onPhase?.('layers-applied');
    await fillMissingContent(tree, options.capture, concurrency, controller, async (layer, ordinals) => {
      const batches: LayerRecord[][] = [];
      await readInto(jobFor(layer, ordinals), (records) => batches.push(records));
      return batches.flat();
    });
    return buildResult(tree, preparer, options.facets.length, resolved, entriesRead);
  } finally {
    controller.abort();
    if (runner !== options.pool) await runner.close();
  }
}

/**
 * A hard link into a facet whose target was read unhashed (outside every facet), or whose path is
 * captured when its target's is not: its bytes are read again, by entry ordinal, from the layer that holds
 * them (docs/decisions.md). Most images need no second pass.
 */
async function fillMissingContent(
  tree: FsTree,
  capture: CaptureOptions | undefined,
  concurrency: number,
  controller: AbortController,
  reread: (layer: number, ordinals: number[]) => Promise<LayerRecord[]>,
): Promise<void> {
  const wanted = new Map<number, Map<number, FileNode[]>>();
  for (const [path, node] of tree.unread) {
    if (tree.lookup(path) !== node) continue; // replaced or removed since
    const needHash = node.facet >= 0 && node.hash === undefined;
    const needCapture =
      node.capture && node.captured === undefined && capture !== undefined && node.size <= capture.maxBytes;
    if (!needHash && !needCapture) continue;
    let byOrdinal = wanted.get(node.origin.layer);
    if (!byOrdinal) wanted.set(node.origin.layer, (byOrdinal = new Map<number, FileNode[]>()));
    const list = byOrdinal.get(node.origin.ordinal);
    if (list) list.push(node);
    else byOrdinal.set(node.origin.ordinal, [node]);
  }
  const layerList = [...wanted.keys()];
  await forEachLimited(layerList.length, concurrency, controller, async (k) => {
    const layer = layerList[k]!;
    const byOrdinal = wanted.get(layer)!;
    for (const record of await reread(layer, [...byOrdinal.keys()])) {
      if (record.op !== 'content') continue;
      for (const node of byOrdinal.get(record.ordinal) ?? []) {
        node.hash = record.hash;
        if (node.capture) node.captured = record.captured;
      }
    }
  });
}

function buildResult(
  tree: FsTree,
  preparer: EntryPreparer,
  facetCount: number,
  resolved: ResolvedImage,
  entriesRead: number,
): ExtractionResult {
  const walk: ResultWalk = {
    preparer,
    resolved,
    prepared: Array.from({ length: facetCount }, () => []),
    captured: new Map(),
    anomalies: [...tree.anomalies],
    unmatchedFiles: 0,
    stack: [['/', tree.root]],
  };
  while (walk.stack.length > 0) {
    const [dirPath, dir] = walk.stack.pop()!;
    collectDir(walk, dirPath, dir);
  }
  const { anomalies, captured } = walk;
  anomalies.sort((a, b) => compareUtf8(a.path, b.path));
  // Leaf order; paths in a tree are unique.
  const sorted = walk.prepared.map(sortEntriesByPath);
  return {
    entriesByFacet: sorted.map((list) => list.map((p) => p.entry)),
    leavesByFacet: sorted.map((list) => list.map((p) => p.leaf)),
    entryJsonByFacet: sorted.map((list) => list.map((p) => p.json)),
    captured,
    report: { layers: resolved.layers.length, entriesRead, unmatchedFiles: walk.unmatchedFiles, anomalies },
  };
}

/** What the walk of the final tree gathers (buildResult). */
interface ResultWalk {
  readonly preparer: EntryPreparer;
  readonly resolved: ResolvedImage;
  readonly prepared: PreparedEntry[][];
  readonly captured: Map<string, Uint8Array>;
  readonly anomalies: ExtractionAnomaly[];
  unmatchedFiles: number;
  /** Directories still to visit. */
  readonly stack: Array<[string, DirNode]>;
}

/**
 * One directory's children. A function of its own, called once per directory, rather than a loop nested
 * in the walk's: V8 compiled the nested loop on-stack and threw that code away each time it left it
 * (`--trace-deopt`: "exit from OSR'd inner loop", a dozen times per seal), running most of the walk
 * unoptimised. Most entries were prepared as their records were applied; the rest (files hashed in the
 * second pass) are prepared here.
 */
function collectDir(walk: ResultWalk, dirPath: string, dir: DirNode): void {
  for (const [name, node] of dir.children) {
    switch (node.kind) {
      case 'dir':
        walk.stack.push([joinPath(dirPath, name), node]);
        break;
      case 'file': {
        // A path is made only where one is needed: most facet files were prepared with theirs.
        if (node.captured !== undefined) walk.captured.set(joinPath(dirPath, name), node.captured);
        if (node.facet < 0) {
          walk.unmatchedFiles++;
          break;
        }
        if (node.prepared !== undefined) {
          walk.prepared[node.facet]!.push(node.prepared);
          break;
        }
        const path = joinPath(dirPath, name);
        if (node.hash === undefined) throw new Error(`internal: ${path} was never hashed`);
        walk.prepared[node.facet]!.push(walk.preparer.prepare(path, { ...node, hash: node.hash }));
        break;
      }
      case 'symlink':
        if (node.facet >= 0)
          walk.prepared[node.facet]!.push(
            node.prepared ?? walk.preparer.prepare(joinPath(dirPath, name), node),
          );
        break;
      case 'device':
        walk.anomalies.push({
          kind: 'device',
          layerDigest: walk.resolved.layers[node.layer]?.digest ?? '',
          path: joinPath(dirPath, name),
          message: 'device node: not an entry of any facet',
        });
        break;
      case 'fifo':
        break;
    }
  }
}

/** Runs `task(0..count-1)`, at most `limit` at once, in index order; the first failure aborts the rest. */
async function forEachLimited(
  count: number,
  limit: number,
  controller: AbortController,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
