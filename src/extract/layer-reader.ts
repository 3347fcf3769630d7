import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import { classifierFromMatchers, type Classify, type FacetMatchers } from '../facets/matchers.ts';
import { readLayerStream, type LayerStreamResult } from '../image/layer-stream.ts';
import type { LayerDescriptor } from '../image/source.ts';
import { ExtractError } from './errors.ts';
import type { CaptureOptions, LayerRecord } from './layer-records.ts';
import type { ExtractLimits } from './limits.ts';
import { checkModTime } from './mod-time.ts';
import { baseName, joinPath, normalizeEntryPath, parentOf } from './paths.ts';
import { TarParser, type TarEntry, type TarEntrySink } from './tar-parser.ts';

/** Everything a worker needs to read one layer; plain data (it is posted to the worker). */
export interface LayerJob {
  readonly layerIndex: number;
  readonly layer: LayerDescriptor;
  /** The facet definitions' membership rules, compiled (`facetMatchers`). */
  readonly matchers: FacetMatchers;
  readonly capture: CaptureOptions | undefined;
  readonly limits: ExtractLimits;
  /** Second pass: hash and capture exactly these entry ordinals and report only them. */
  readonly only?: readonly number[] | undefined;
  /** Records are handed over in batches of this many, so a huge layer never sits in one message. */
  readonly batchSize?: number;
}

/** A batch of at least this many records is handed over at the end of a chunk of tar bytes. */
const FLUSH_BETWEEN_CHUNKS = 256;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Built once per distinct facet list: a worker reads many layers with the same definitions. */
const classifierCache = new Map<string, Classify>();
function classifierFor(matchers: FacetMatchers): Classify {
  const key = JSON.stringify(matchers);
  let classify = classifierCache.get(key);
  if (!classify) {
    classifierCache.clear();
    classify = classifierFromMatchers(matchers);
    classifierCache.set(key, classify);
  }
  return classify;
}

/**
 * Reads one layer: decompress and verify (image/layer-stream), parse the tar, normalise each path,
 * classify it, hash the content of files that belong to a facet, and emit records in tar order. Runs on a
 * worker thread (layer-worker.ts) or inline; the result is the same.
 */
export async function readLayer(
  job: LayerJob,
  blob: AsyncIterable<Uint8Array>,
  emit: (records: LayerRecord[]) => void,
  signal?: AbortSignal,
  storedDigestHex?: () => string,
): Promise<LayerStreamResult> {
  const classify = classifierFor(job.matchers);
  const capture =
    job.capture && job.capture.patterns.length > 0
      ? new RegExp(job.capture.patterns.map((p) => `(?:${p})`).join('|'))
      : null;
  const maxCapture = job.capture?.maxBytes ?? 0;
  const only = job.only ? new Set(job.only) : null;
  const batchSize = job.batchSize ?? 4096;
  const layerName = `layer ${job.layer.digest}`;
  let batch: LayerRecord[] = [];
  let ordinal = -1;
  const push = (record: LayerRecord): void => {
    batch.push(record);
    if (batch.length >= batchSize) {
      emit(batch);
      batch = [];
    }
  };

  const visitor = {
    entry(entry: TarEntry): TarEntrySink | null {
      ordinal++;
      if (ordinal >= job.limits.maxEntries) {
        throw new ExtractError(
          'TOO_MANY_ENTRIES',
          `${layerName} has more than ${job.limits.maxEntries} entries`,
        );
      }
      const path = normalizeEntryPath(entry.name);
      if (path === null) {
        throw new ExtractError(
          'PATH_ESCAPE',
          `${layerName}: entry "${entry.name}" leaves the root filesystem`,
          {
            hint: 'the layer is hostile or broken; no extractor may write outside the root',
          },
        );
      }
      if (Buffer.byteLength(path) > job.limits.maxPathBytes) {
        throw new ExtractError(
          'PATH_TOO_LONG',
          `${layerName}: entry "${path.slice(0, 80)}…" is longer than ${job.limits.maxPathBytes} bytes`,
        );
      }
      const mine = ordinal;
      if (only) {
        if (!only.has(mine) || entry.type !== 'file') return null;
        return contentSink(entry.size, true, entry.size <= maxCapture, (hash, captured) => {
          if (hash !== undefined)
            push({ op: 'content', ordinal: mine, hash, ...(captured ? { captured } : {}) });
        });
      }
      return visit(entry, path, mine);
    },
  };

  const visit = (entry: TarEntry, path: string, mine: number): TarEntrySink | null => {
    const name = baseName(path);
    if (name.startsWith(WHITEOUT)) {
      if (name === OPAQUE) push({ op: 'opaque', path: parentOf(path) });
      else if (name.startsWith(`${WHITEOUT}${WHITEOUT}`))
        push({ op: 'ignored', path, why: 'AUFS metadata entry' });
      else {
        const hidden = name.slice(WHITEOUT.length);
        if (hidden === '.' || hidden === '..' || hidden === '')
          push({ op: 'ignored', path, why: 'whiteout of no name' });
        else push({ op: 'whiteout', path: joinPath(parentOf(path), hidden) });
      }
      return null;
    }
    if (path === '/' && entry.type !== 'dir') {
      push({ op: 'ignored', path, why: `a ${entry.type} entry naming the root` });
      return null;
    }
    switch (entry.type) {
      case 'dir':
        push({ op: 'dir', path });
        return null;
      case 'char':
      case 'block':
        push({ op: 'device', path, kind: entry.type });
        return null;
      case 'fifo':
        push({ op: 'fifo', path });
        return null;
      case 'other':
        push({ op: 'ignored', path, why: `tar type '${entry.typeflag}'` });
        return null;
      case 'symlink':
        checkTime(entry, layerName);
        push({
          op: 'symlink',
          path,
          facet: classify(path),
          target: entry.linkName,
          mtimeMs: entry.mtimeMs,
        });
        return null;
      case 'hardlink': {
        const target = normalizeEntryPath(entry.linkName);
        if (target === null) {
          throw new ExtractError(
            'PATH_ESCAPE',
            `${layerName}: hard link "${entry.name}" points to "${entry.linkName}", outside the root`,
          );
        }
        push({
          op: 'hardlink',
          path,
          facet: classify(path),
          target,
          capture: capture?.test(path) ?? false,
        });
        return null;
      }
      case 'file': {
        checkTime(entry, layerName);
        const facet = classify(path);
        const wantCapture = capture !== null && entry.size <= maxCapture && capture.test(path);
        const base = {
          op: 'file' as const,
          ordinal: mine,
          path,
          facet,
          size: entry.size,
          mode: entry.mode,
          mtimeMs: entry.mtimeMs,
        };
        if (facet < 0 && !wantCapture) {
          push(base);
          return null;
        }
        return contentSink(entry.size, facet >= 0, wantCapture, (hash, captured) =>
          push({ ...base, ...(hash ? { hash } : {}), ...(captured ? { captured } : {}) }),
        );
      }
    }
  };

  const parser = new TarParser(visitor);
  // Records also go out between chunks once a few hundred have gathered, not only in full batches: the
  // main thread applies them while the layer is still being read, instead of a full batch (~10 ms of
  // work) arriving just before the layer's end, when everything waits for it.
  const consumer = {
    write(chunk: Uint8Array): void {
      parser.write(chunk);
      if (batch.length >= FLUSH_BETWEEN_CHUNKS) {
        emit(batch);
        batch = [];
      }
    },
    end: () => parser.end(),
  };
  try {
    const result = await readLayerStream(job.layer, blob, consumer, {
      maxUncompressedBytes: job.limits.maxLayerBytes,
      signal,
      ...(storedDigestHex ? { storedDigestHex } : {}),
    });
    if (batch.length > 0) emit(batch);
    return result;
  } catch (error) {
    throw withLayerContext(error, layerName);
  }
}

/** Hashes (and optionally keeps) one entry's data; a file whose data sits in one chunk is hashed in one call. */
function contentSink(
  size: number,
  wantHash: boolean,
  wantCapture: boolean,
  done: (hash: string | undefined, captured: Uint8Array | undefined) => void,
): TarEntrySink {
  let hash: Hash | null = null;
  let single: string | undefined;
  let captured: Uint8Array | undefined = wantCapture ? new Uint8Array(size) : undefined;
  let fill = 0;
  return {
    data(chunk) {
      if (wantHash) {
        if (hash === null && single === undefined && chunk.byteLength === size)
          single = oneShotHash('sha256', chunk);
        else {
          if (hash === null) hash = createHash('sha256');
          hash.update(chunk);
        }
      }
      if (captured) {
        captured.set(chunk, fill);
        fill += chunk.byteLength;
      }
    },
    end() {
      const hex = wantHash ? (single ?? hash?.digest('hex') ?? EMPTY_SHA256) : undefined;
      done(hex, captured);
      captured = undefined;
    },
  };
}

function checkTime(entry: TarEntry, layerName: string): void {
  if (!checkModTime(entry.mtimeMs)) {
    throw new ExtractError(
      'TAR_HEADER_INVALID',
      `${layerName}: entry "${entry.name}" has an mtime outside years 0000–9999`,
    );
  }
}

/** Tar errors are raised without knowing the layer; add its digest so the message names the culprit. */
function withLayerContext(error: unknown, layerName: string): unknown {
  if (error instanceof ExtractError && !error.message.startsWith(layerName)) {
    return new ExtractError(error.code, `${layerName}: ${error.message}`, {
      cause: error.cause,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
  return error;
}
