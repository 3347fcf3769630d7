import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAdmission } from '../../src/admission/decide.ts';
import type { AdmissionOutcome } from '../../src/admission/outcome.ts';
import { fakePorts, podRequest, policy } from '../../src/admission/test-ports.ts';
import { computeDriftFromSeals } from '../../src/admission/wiring/drift-port.ts';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { SealSet } from '../../src/model/seal.ts';
import { DRIFT_URN_PREFIX } from '../../src/vex/acknowledgement.ts';
import { OpenVexDocument } from '../../src/vex/index.ts';
import { writeOciLayout, type FixtureEntry, type FixtureLayer } from '../fixtures/index.ts';

// The command a RequireVex denial prints must draft a VEX for exactly the facets the webhook denied, with
// the webhook's quotas rather than the user's defaults. Four facets drift; the policy makes config and
// binary RequireVex and turns lang/node (RequireVex by default) into Warn; os warns by default.

const REPO = 'registry.test/shop/app';
const file = (path: string, content: string, mode = 0o644): FixtureEntry => ({
  type: 'file',
  path,
  content,
  mode,
});

function layers(version: string): FixtureLayer[] {
  return [
    {
      compression: 'gzip',
      entries: [
        file('/var/lib/dpkg/status', `Package: app\nVersion: ${version}\n`),
        file('/etc/app/app.conf', `level=${version}\n`),
        file('/etc/hostname', 'app\n'),
        file('/usr/bin/tool', `tool ${version}`, 0o755),
        file('/usr/bin/other', 'other', 0o755),
        file('/app/node_modules/left/package.json', JSON.stringify({ name: 'left', version })),
        file('/app/node_modules/right/package.json', JSON.stringify({ name: 'right', version: '1.0.0' })),
      ],
    },
  ];
}

let dir: string;
let layout: string;
const env = (): Record<string, string> => ({ ZASTAVA_DATA_DIR: join(dir, 'data'), STELLA_SEALED_BY: 'ci' });
const sets: Record<string, SealSet> = {};
let outcome: AdmissionOutcome;

async function stella(...args: string[]) {
  const ctx = captureContext(env());
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

/** The facet ids a VEX document acknowledges, from its drift URNs, with the roots each is bound to. */
function acknowledged(doc: OpenVexDocument): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of doc.statements) {
    const name = s.vulnerability.name;
    if (!name.startsWith(DRIFT_URN_PREFIX)) continue;
    const rest = name.slice(DRIFT_URN_PREFIX.length);
    const facetId = rest.slice(0, rest.indexOf(':sha256:'));
    out.set(facetId, rest.slice(facetId.length + 1));
  }
  return out;
}

/** The printed command, run with the two pinned references addressing the same images in a local layout. */
async function runPrinted(command: string) {
  const argv = command.split(' ');
  expect(argv.slice(0, 4)).toEqual(['stella', 'vex', 'gen', '--from-drift']);
  const local = argv
    .slice(1)
    .map((arg) => (arg.startsWith(`${REPO}@`) ? `oci:${layout}@${arg.slice(REPO.length + 1)}` : arg));
  const r = await stella(...local);
  expect(r.code, r.err).toBe(0);
  return OpenVexDocument.parse(JSON.parse(r.out));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-vex-denial-'));
  layout = join(dir, 'layout');
  await writeOciLayout(layout, { layers: layers('1') }, { tag: 'v1' });
  await writeOciLayout(layout, { layers: layers('2') }, { tag: 'v2' });
  expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'k'))).code).toBe(0);
  for (const tag of ['v1', 'v2']) {
    const output = join(dir, `${tag}.seals.json`);
    const s = await stella('seal', `oci:${layout}:${tag}`, '--key', join(dir, 'k.key'), '--output', output);
    expect(s.code, s.err).toBe(0);
    sets[tag] = SealSet.parse(JSON.parse(await readFile(output, 'utf8')));
  }
  const v1 = sets.v1!;
  const v2 = sets.v2!;
  const { ports } = fakePorts([], {
    resolvePolicy: () =>
      policy({
        quotas: {
          config: { maxChangedFiles: 0, maxChurnPercent: 0, onExceed: 'RequireVex' },
          binary: { maxChangedFiles: 0, onExceed: 'RequireVex' },
          'lang/node': { onExceed: 'Warn' },
        },
      }),
    resolveDigest: () => Promise.resolve(v2.imageDigest),
    latestApprovedBaseline: () => Promise.resolve({ imageDigest: v1.imageDigest, imageRef: `${REPO}:v1` }),
    findSeals: ({ digest }) => Promise.resolve(digest === v1.imageDigest ? v1.seals : v2.seals),
    computeDrift: computeDriftFromSeals,
  });
  outcome = await decideAdmission(
    podRequest([`${REPO}:v2`]),
    { deadline: 2_000_000, defaults: { tenant: 'default', onError: 'deny' } },
    ports,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the stella vex gen command of a RequireVex denial', () => {
  it('is given for the facets the policy made RequireVex, the others warning', () => {
    expect(outcome.result.allowed).toBe(false);
    const image = outcome.images[0]!;
    if (image.kind !== 'evaluated') throw new Error(`not evaluated: ${image.kind}`);
    const decisions = Object.fromEntries(image.evaluation.facets.map((f) => [f.facetId, f.decision]));
    expect(decisions).toMatchObject({
      config: 'RequireVex',
      binary: 'RequireVex',
      'lang/node': 'Warn',
      os: 'Warn',
    });
    expect(outcome.result.message).toContain(outcome.result.requiredVexStatement);
  });

  it('drafts a VEX acknowledging exactly the denied facets, bound to the roots the webhook compared', async () => {
    const image = outcome.images[0]!;
    if (image.kind !== 'evaluated') throw new Error(`not evaluated: ${image.kind}`);
    const denied = image.evaluation.facets.filter((f) => f.decision === 'RequireVex');
    const doc = await runPrinted(outcome.result.requiredVexStatement!);
    const acks = acknowledged(doc);
    expect([...acks.keys()].sort()).toEqual(denied.map((f) => f.facetId).sort());
    for (const f of denied) {
      expect(acks.get(f.facetId)).toBe(`${f.drift.baselineMerkleRoot}:${f.drift.currentMerkleRoot}`);
    }
  });

  it('differs from the bare command, which applies the local default quotas', async () => {
    const bare = outcome.result.requiredVexStatement!.split(' --facet ')[0]!;
    const doc = await runPrinted(bare);
    expect([...acknowledged(doc).keys()]).toEqual(['lang/node']);
  });
});
