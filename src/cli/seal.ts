import { userInfo, hostname } from 'node:os';
import { FacetError } from '../facets/errors.ts';
import type { FacetDefinition } from '../model/facet.ts';
import type { SealSet } from '../model/seal.ts';
import type { ExtractProgress } from '../extract/extract-image.ts';
import type { LayerPool } from '../extract/layer-runner.ts';
import type * as SealImage from '../seal/seal-image.ts';
import type { Signer } from '../seal/signer.ts';
import { parseFlags, requirePositionals } from './args.ts';
import { print, type CliContext, type Command } from './context.ts';
import { EXIT, usageError } from './errors.ts';
import { IMAGE_FLAGS, IMAGE_FLAGS_USAGE, imageOptions } from './image-options.ts';
import { progressBar } from './progress.ts';
import { renderSealsJson } from './seals-json.ts';
import { takeSealPool } from './seal-pool.ts';
import { writeFileAtomic } from './write-atomic.ts';

const usage = (storeFlags: string): string =>
  `stella seal IMAGE [--key FILE] [--facet ID]… [--facets FILE] [--output FILE] [--format json|table|in-toto] [--sealed-by NAME] [--report-unmatched] [--push | --store ${storeFlags} | --server URL --token T] ${IMAGE_FLAGS_USAGE}`;

export const sealCommand: Command = async (args, ctx) => {
  // The layer worker boots while this thread loads zod, the reader's modules, the facets and the image's
  // manifests (seal-pool.ts: bin/stella.js has usually started it already).
  mark('seal:start');
  const pool = await takeSealPool(args);
  try {
    return await seal(args, ctx, pool);
  } finally {
    await pool?.close();
  }
};

async function seal(args: string[], ctx: CliContext, pool: LayerPool | undefined): Promise<number> {
  const { STORE_FLAG_OPTIONS, STORE_FLAGS_USAGE } = await import('../config/store.ts');
  const USAGE = usage(STORE_FLAGS_USAGE);
  const { values, positionals } = parseFlags(
    'seal',
    args,
    {
      key: { type: 'string' },
      facet: { type: 'string', multiple: true },
      facets: { type: 'string' },
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      'sealed-by': { type: 'string' },
      'report-unmatched': { type: 'boolean' },
      push: { type: 'boolean' },
      store: { type: 'boolean' },
      server: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean' },
      ...IMAGE_FLAGS,
      ...STORE_FLAG_OPTIONS,
    },
    USAGE,
  );
  if (values.help) {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  requirePositionals('seal', positionals, 1, USAGE);
  const format = values.format ?? (ctx.stdoutIsTTY && values.output === undefined ? 'table' : 'json');
  if (!['json', 'table', 'in-toto'].includes(format))
    throw usageError(`stella seal: unknown --format "${format}"`, USAGE);

  if (values.store && values.server !== undefined)
    throw usageError('stella seal: --store and --server exclude each other', USAGE);
  if (values.push && (values.store || values.server !== undefined))
    throw usageError('stella seal: --push chooses the destination itself; drop --store or --server', USAGE);
  // --push (SPEC §11: sealing belongs in CI): the API server of ZASTAVA_SERVER when it is set, else the
  // store of --database-url / DATABASE_URL (the embedded default without one).
  const server = values.server ?? (values.push ? nonEmpty(ctx.env.ZASTAVA_SERVER) : undefined);
  const toStore = values.store === true || (values.push === true && server === undefined);
  const token = values.token ?? ctx.env.ZASTAVA_TOKEN;
  if (server !== undefined && token === undefined) {
    const from = values.server === undefined ? '--push with ZASTAVA_SERVER' : '--server';
    throw usageError(`stella seal: ${from} needs --token T (or ZASTAVA_TOKEN)`, USAGE);
  }
  mark('seal:flags');
  const ref = positionals[0]!;
  // Loaded here rather than at the top so that `--help` and flag errors cost no reader modules. Only
  // what reading needs comes before the first layer read; the key and the signing modules load while
  // the layers are read (measured in docs/decisions.md, "Seal benchmark, fourth pass").
  const [{ defaultFacets, loadFacetsFile }, { readImage }] = await Promise.all([
    import('../facets/load.ts'),
    import('../seal/read-image.ts'),
  ]);
  mark('seal:modules');
  const facets = values.facets === undefined ? defaultFacets() : await loadFacetsFile(values.facets);
  const only = values.facet ?? [];
  checkFacetIds(only, facets);
  // The key and the signing modules load once the first bytes are read (before, their loading would
  // only delay the first read: it is this thread's work too). A key that cannot be read stops the
  // reading at once and is the error reported.
  const keyFailed = new AbortController();
  let signing: Promise<[Signer, typeof SealImage]> | undefined;
  const startSigning = (): NonNullable<typeof signing> => {
    if (signing) return signing;
    signing = Promise.all([
      import('./key-options.ts').then(({ resolveSigner }) => resolveSigner(values.key, ctx)),
      import('../seal/seal-image.ts'),
    ]);
    signing.catch((error: unknown) => keyFailed.abort(error));
    return signing;
  };
  // Without layers to read (`rootfs:`) there is no first read to wait for: a bad key fails at once.
  if (pool === undefined) void startSigning();
  const progress = progressBar(ctx.stderr, ctx.stderrIsTTY);
  const options = {
    facets,
    only,
    open: imageOptions(values, ctx),
    sealedBy: values['sealed-by'] ?? defaultSealedBy(ctx),
    signal: keyFailed.signal,
    ...(pool === undefined ? {} : { pool }),
    onPhase: mark,
    onProgress: (p: ExtractProgress) => {
      void startSigning();
      progress.update(p.bytes, p.totalBytes, `layer ${p.layer + 1}/${p.layers}`);
    },
  };
  const read = await readImage(ref, options)
    .catch(async (error: unknown) => {
      // The key's own error, not the abort it caused (or a reading error that raced it).
      await signing;
      throw error;
    })
    .finally(() => progress.done());
  // The worker's heap and its undelivered garbage (dead decompressor buffers) are let go before
  // signing and rendering allocate: ~40-60 MB off the peak with many entries.
  mark('seal:read');
  await pool?.close();
  const [signer, { sealRead }] = await startSigning();
  const { sealSet } = await sealRead(read, signer, options);
  mark('seal:signed');

  if (values['report-unmatched'] && sealSet.report) {
    print(ctx.stderr, `${sealSet.report.unmatchedFiles} files matched no facet`);
  }
  for (const anomaly of sealSet.report?.anomalies ?? []) {
    print(
      ctx.stderr,
      `warning: ${anomaly.kind} at ${anomaly.path} (layer ${anomaly.layerDigest}): ${anomaly.message}`,
    );
  }
  // The store's modules (pg, PGlite) load only when a seal goes there.
  if (toStore) {
    const { storeSeals } = await import('./submit-seals.ts');
    print(ctx.stderr, await storeSeals(sealSet, values, ctx));
  }
  if (server !== undefined) {
    const { submitSeals } = await import('./submit-seals.ts');
    print(ctx.stderr, await submitSeals(sealSet, server, token!));
  }
  const facetIndex = new Map(facets.map((f, i) => [f.facetId, i]));
  const entryJson = (facetId: string): readonly string[] | undefined =>
    read.extraction.entryJsonByFacet?.[facetIndex.get(facetId) ?? -1];
  const bytes = await render(sealSet, format, signer, entryJson);
  mark('seal:rendered');
  if (values.output === undefined) ctx.stdout.write(bytes);
  else writeFileAtomic(values.output, bytes);
  mark('seal:written');
  return EXIT.ok;
}

/**
 * A User Timing mark (`zastava:PHASE`): bench/seal/timeline.ts prints where `stella seal`'s time goes
 * from them. A CLI process makes a few dozen; nothing reads them otherwise.
 */
function mark(phase: string): void {
  performance.mark(`zastava:${phase}`);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function checkFacetIds(ids: readonly string[], facets: readonly FacetDefinition[]): void {
  for (const id of ids) {
    if (!facets.some((f) => f.facetId === id)) {
      throw new FacetError(
        'FACET_UNKNOWN',
        `--facet ${id}: no such facet (known: ${facets.map((f) => f.facetId).join(', ')})`,
      );
    }
  }
}

/** The output in `format`, as UTF-8 ending in a newline. */
async function render(
  sealSet: SealSet,
  format: string,
  signer: Signer,
  entryJson: (facetId: string) => readonly string[] | undefined,
): Promise<Buffer> {
  if (format === 'json') return renderSealsJson(sealSet, entryJson);
  return Buffer.from(`${await renderText(sealSet, format, signer)}\n`, 'utf8');
}

async function renderText(sealSet: SealSet, format: string, signer: Signer): Promise<string> {
  if (format === 'in-toto') {
    const { buildInTotoStatement, signInTotoStatement } = await import('../seal/in-toto.ts');
    return JSON.stringify(await signInTotoStatement(buildInTotoStatement(sealSet), signer), null, 2);
  }
  const rows = sealSet.seals.map((s) => [
    s.manifest.facetId,
    s.manifest.type,
    String(s.manifest.fileCount),
    String(s.manifest.totalBytes),
    s.manifest.merkleRoot,
  ]);
  return [
    `${sealSet.imageRef}`,
    `  image  ${sealSet.imageDigest}`,
    `  config ${sealSet.configDigest}`,
    '',
    table(['FACET', 'TYPE', 'FILES', 'BYTES', 'MERKLE ROOT'], rows),
  ].join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function defaultSealedBy(ctx: CliContext): string {
  if (ctx.env.STELLA_SEALED_BY) return ctx.env.STELLA_SEALED_BY;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Containers without a passwd entry for the uid.
  }
  return `${user}@${hostname()}`;
}
