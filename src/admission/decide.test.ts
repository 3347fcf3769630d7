import { describe, expect, it } from 'vitest';
import { decideAdmission } from './decide.ts';
import { DecisionCache } from './decision-cache.ts';
import { buildAdmissionReview } from './review.ts';
import { SingleFlight } from './single-flight.ts';
import type { AdmissionRecord } from './record.ts';
import type { AdmissionPorts, ExtractionRequest, VexQuery } from './ports.ts';
import type { FacetSeal } from '../model/seal.ts';
import { AdmissionError } from './errors.ts';
import {
  BASE,
  CUR,
  DEFAULTS,
  digest,
  drift,
  fakePorts,
  manualClock,
  podRequest,
  policy,
  seal,
} from './test-ports.ts';

const IMAGE = 'registry.example/app:v2';
const options = (deadline = 1_000_000 + 8_500) => ({ deadline, defaults: DEFAULTS });

describe('decideAdmission: verdicts', () => {
  it('allows the approved baseline image itself without computing drift', async () => {
    const { ports, calls } = fakePorts([], { resolveDigest: () => Promise.resolve(BASE) });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.warnings).toEqual([]);
    expect(calls.computeDrift).toBe(0);
    expect(outcome.images[0]).toMatchObject({ kind: 'evaluated', evaluation: { decision: 'Pass' } });
  });

  it('allows drift within the quotas with no warning', async () => {
    const { ports } = fakePorts([drift('os', 'Pass')]);
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result).toMatchObject({ allowed: true, warnings: [], violations: [] });
  });

  it('allows a Warn verdict with a warning naming the facet, field, limit and actual value', async () => {
    const { ports } = fakePorts([
      drift('config', 'Warn', [{ quotaField: 'MaxChurnPercent', limit: 20, actual: 33.333 }]),
    ]);
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.warnings).toEqual([
      `zastava: ${IMAGE} facet config: MaxChurnPercent 33.33 > limit 20 (warn)`,
    ]);
    expect(outcome.result.violations).toEqual([
      expect.objectContaining({
        facetId: 'config',
        quotaField: 'MaxChurnPercent',
        limit: 20,
        actual: 33.333,
      }),
    ]);
  });

  it('denies a Block verdict, the message listing facet, field, limit and actual', async () => {
    const { ports } = fakePorts([drift('binary', 'Block'), drift('config', 'Warn')]);
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain('zastava denied Pod shop/web:');
    expect(outcome.result.message).toContain('blocked: facet binary: MaxChangedFiles 31 > limit 20');
    expect(outcome.result.message).toContain(`registry.example/app@${CUR}`);
    const review = buildAdmissionReview('u1', outcome.result);
    expect(review.response.status).toEqual({ code: 403, message: outcome.result.message });
    expect(review.response.warnings?.[0]).toContain('facet config');
  });

  it('denies RequireVex without a VEX, carrying the exact stella vex gen command', async () => {
    const { ports, calls } = fakePorts([drift('lang/node', 'RequireVex')]);
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    const command =
      `stella vex gen --from-drift registry.example/app@${BASE} registry.example/app@${CUR}` +
      ' --facet lang/node --quota lang/node:maxChangedFiles=20,onExceed=RequireVex';
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.requiredVexStatement).toBe(command);
    expect(outcome.result.message).toContain(command);
    expect(calls.findVex).toEqual([
      {
        tenant: 'acme',
        imageDigest: CUR,
        facetId: 'lang/node',
        baselineRoot: digest('base-lang/node'),
        currentRoot: digest('cur-lang/node'),
      } satisfies VexQuery,
    ]);
  });

  it('allows RequireVex once a signed VEX acknowledges each violating facet, with a warning', async () => {
    const { ports } = fakePorts([drift('lang/node', 'RequireVex'), drift('lang/python', 'RequireVex')], {
      findVex: (q) => Promise.resolve({ acknowledged: true, documentId: `vex-${q.facetId}` }),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.requiredVexStatement).toBeUndefined();
    expect(outcome.result.warnings).toContain(
      `zastava: ${IMAGE} facet lang/node drift acknowledged by VEX by vex-lang/node`,
    );
  });

  it('still denies when only some RequireVex facets are acknowledged, saying why the other was not', async () => {
    const { ports } = fakePorts([drift('lang/node', 'RequireVex'), drift('lang/python', 'RequireVex')], {
      findVex: (q) =>
        Promise.resolve(
          q.facetId === 'lang/node'
            ? { acknowledged: true, documentId: 'vex-1' }
            : { acknowledged: false, reason: 'the VEX still has the draft impact statement' },
        ),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain(
      '(the VEX still has the draft impact statement): facet lang/python',
    );
    expect(outcome.result.message).not.toContain('facet lang/node:');
  });

  it('Block outranks an acknowledged RequireVex', async () => {
    const { ports } = fakePorts([drift('lang/node', 'RequireVex'), drift('binary', 'Block')], {
      findVex: () => Promise.resolve({ acknowledged: true, documentId: 'v' }),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.images[0]).toMatchObject({ evaluation: { decision: 'Block' } });
  });
});

describe('decideAdmission: no baseline, errors and the deadline', () => {
  it('allows an image whose repository has no approved baseline, with a warning', async () => {
    const { ports } = fakePorts([], { latestApprovedBaseline: () => Promise.resolve(null) });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.warnings).toEqual([
      'zastava: no approved baseline for registry.example/app; drift not checked',
    ]);
  });

  it('denies without a baseline when the policy says noBaseline: deny', async () => {
    const { ports } = fakePorts([], {
      latestApprovedBaseline: () => Promise.resolve(null),
      resolvePolicy: () => policy({ noBaseline: 'deny' }),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain('denied because noBaseline is "deny"');
  });

  it('denies on an infrastructure error by default, saying so', async () => {
    const { ports } = fakePorts([], {
      findSeals: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain('could not be evaluated (ADMISSION_INTERNAL');
    expect(outcome.result.message).toContain('denied because onError is "deny"');
    expect(outcome.result.message).not.toContain('ECONNREFUSED');
  });

  it('allows on an infrastructure error only when onError is allow, and says so in a warning', async () => {
    const { ports } = fakePorts([], {
      resolvePolicy: () => policy({ onError: 'allow' }),
      resolveDigest: () => Promise.reject(new AdmissionError('ADMISSION_INTERNAL', 'registry unreachable')),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.warnings).toEqual([
      `zastava: ${IMAGE} not evaluated (ADMISSION_INTERNAL); allowed because onError is "allow"`,
    ]);
  });

  it('applies onError at the internal deadline and aborts the ports', async () => {
    const clock = manualClock();
    let seen: AbortSignal | undefined;
    const { ports, calls } = fakePorts([], {
      clock,
      resolveDigest: (_image, _pull, signal) => {
        seen = signal;
        return new Promise(() => {});
      },
    });
    const pending = decideAdmission(podRequest([IMAGE]), options(), ports);
    await new Promise((r) => setImmediate(r));
    clock.fire();
    const outcome = await pending;
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.images[0]).toMatchObject({ kind: 'error', code: 'ADMISSION_DEADLINE_EXCEEDED' });
    expect(outcome.result.message).toContain('internal deadline (8500 ms)');
    expect(seen?.aborted).toBe(true);
    expect(calls.records).toEqual([]);
    expect(outcome.recorded).toBe(false);
  });

  it('uses the defaults when the image reference cannot be parsed', async () => {
    const { ports } = fakePorts([]);
    const outcome = await decideAdmission(podRequest(['Not A Valid//Image']), options(), ports);
    expect(outcome.images[0]).toMatchObject({
      kind: 'error',
      code: 'ADMISSION_IMAGE_REF_INVALID',
      tenant: 'default',
    });
    expect(outcome.result.allowed).toBe(false);
  });

  it('treats an unsealed image without in-webhook extraction as an error, naming the fix', async () => {
    const { ports } = fakePorts([], {
      findSeals: ({ digest: d }) => Promise.resolve(d === BASE ? [seal('os', BASE)] : []),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.images[0]).toMatchObject({ kind: 'error', code: 'ADMISSION_IMAGE_UNSEALED' });
    expect(outcome.result.message).toContain('extraction in the webhook is off');
  });

  it('reports a baseline without seals', async () => {
    const { ports } = fakePorts([], {
      findSeals: ({ digest: d }) => Promise.resolve(d === BASE ? [] : [seal('os', d)]),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.images[0]).toMatchObject({ kind: 'error', code: 'ADMISSION_BASELINE_UNSEALED' });
  });
});

describe('decideAdmission: recording and dry runs', () => {
  it('records non-dry-run decisions with the request uid as correlation id', async () => {
    const { ports, calls } = fakePorts([drift('binary', 'Block')]);
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.recorded).toBe(true);
    const record = calls.records[0] as AdmissionRecord;
    expect(record).toMatchObject({
      correlationId: '705ab4f5-6393-11e8-b7cc-42010a800002',
      user: 'alice',
      namespace: 'shop',
      allowed: false,
      workload: { kind: 'Pod', name: 'web' },
    });
    expect(record.images[0]).toMatchObject({
      tenant: 'acme',
      decision: 'Block',
      baselineDigest: BASE,
      imageDigest: CUR,
    });
    expect(record.images[0]?.facets[0]?.drift).not.toHaveProperty('added');
  });

  it('evaluates dry runs without writing anything', async () => {
    const extracted: ExtractionRequest[] = [];
    const { ports, calls } = fakePorts([drift('binary', 'Block')], {
      findSeals: ({ digest: d }) => Promise.resolve(d === BASE ? [seal('os', BASE)] : []),
      extractions: new SingleFlight<readonly FacetSeal[]>(),
      extractOnMiss: (request) => {
        extracted.push(request);
        return Promise.resolve([seal('os', request.imageDigest)]);
      },
    });
    const outcome = await decideAdmission(podRequest([IMAGE], { dryRun: true }), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.dryRun).toBe(true);
    expect(calls.records).toEqual([]);
    expect(extracted[0]?.persist).toBe(false);
  });

  it('denies an allowance that could not be recorded when onError is deny', async () => {
    const { ports } = fakePorts([drift('os', 'Pass')], {
      record: () => Promise.reject(new Error('db down')),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain('ADMISSION_RECORD_FAILED');
    expect(outcome.recorded).toBe(false);
  });

  it('never loosens a denial that could not be recorded', async () => {
    const { ports } = fakePorts([drift('binary', 'Block')], {
      resolvePolicy: () => policy({ onError: 'allow' }),
      record: () => Promise.reject(new Error('db down')),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(false);
  });
});

describe('decideAdmission: several containers and workloads', () => {
  it('the most severe image decision wins and every reason is listed', async () => {
    const { ports } = fakePorts([], {
      computeDrift: (_b, current) =>
        Promise.resolve([
          current[0]?.imageDigest === digest('blocked') ? drift('binary', 'Block') : drift('os', 'Warn'),
        ]),
      resolveDigest: (image) => Promise.resolve(image.repository === 'bad' ? digest('blocked') : CUR),
    });
    const request = podRequest({
      initContainers: ['registry.example/init:1'],
      containers: [IMAGE, 'registry.example/bad:1'],
    });
    const outcome = await decideAdmission(request, options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.images.map((o) => o.allowed)).toEqual([true, true, false]);
    expect(outcome.result.message).toContain('container c1 image registry.example/bad:1');
    expect(outcome.result.warnings).toHaveLength(2);
  });

  it('evaluates each image once per request, however many containers run it', async () => {
    const { ports, calls } = fakePorts([drift('os', 'Warn')]);
    const request = podRequest({
      initContainers: [IMAGE],
      containers: [IMAGE, IMAGE],
      ephemeralContainers: [],
    });
    const outcome = await decideAdmission(request, options(), ports);
    expect(calls.resolveDigest).toBe(1);
    expect(calls.computeDrift).toBe(1);
    expect(outcome.images).toHaveLength(1);
    expect(outcome.images[0]?.containers).toEqual(['initContainer init0', 'container c0', 'container c1']);
  });

  it('evaluates two references to one digest once', async () => {
    const { ports, calls } = fakePorts([drift('os', 'Warn')]);
    const outcome = await decideAdmission(
      podRequest([IMAGE, `registry.example/app@${CUR}`]),
      options(),
      ports,
    );
    expect(calls.computeDrift).toBe(1);
    expect(outcome.images).toHaveLength(2);
  });

  it('evaluates a Deployment template at apply time', async () => {
    const { ports } = fakePorts([drift('binary', 'Block')]);
    const request = podRequest([], {
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      object: {
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ name: 'app', image: IMAGE }] } } },
      },
    });
    const outcome = await decideAdmission(request, options(), ports);
    expect(outcome.result.allowed).toBe(false);
    expect(outcome.result.message).toContain('zastava denied Deployment shop/web');
  });

  it('passes DELETE and scale without calling any port', async () => {
    const { ports, calls } = fakePorts([drift('binary', 'Block')]);
    const del = await decideAdmission(podRequest([IMAGE], { operation: 'DELETE' }), options(), ports);
    const scale = await decideAdmission(
      podRequest([], {
        operation: 'UPDATE',
        kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        subResource: 'scale',
        object: { spec: { replicas: 3 } },
      }),
      options(),
      ports,
    );
    expect([del.result.allowed, scale.result.allowed]).toEqual([true, true]);
    expect(del.skipped).toContain('DELETE');
    expect(scale.skipped).toContain('scale');
    expect(calls.resolveDigest + calls.findSeals + calls.records.length).toBe(0);
  });
});

describe('decideAdmission: cache, config digest and extraction', () => {
  it('answers from the decision cache keyed by baseline, current digest and policy version', async () => {
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 60_000 });
    const { ports, calls } = fakePorts([drift('os', 'Warn')], { cache });
    await decideAdmission(podRequest([IMAGE]), options(), ports);
    const second = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(calls.computeDrift).toBe(1);
    expect(second.images[0]).toMatchObject({ kind: 'evaluated', cached: true });
    expect(second.result.warnings).toHaveLength(1);
    const other = { ...ports, resolvePolicy: () => policy({ version: 'v2' }) } satisfies AdmissionPorts;
    await decideAdmission(podRequest([IMAGE]), options(), other);
    expect(calls.computeDrift).toBe(2);
  });

  it('finds seals by config digest when none match the manifest digest', async () => {
    const config = digest('cfg');
    const { ports } = fakePorts([drift('os', 'Pass')], {
      findSeals: ({ digest: d, by }) =>
        Promise.resolve(
          d === BASE ? [seal('os', BASE)] : by === 'config' && d === config ? [seal('os', d)] : [],
        ),
      resolveConfigDigest: () => Promise.resolve(config),
    });
    const outcome = await decideAdmission(podRequest([IMAGE]), options(), ports);
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.images[0]?.kind).toBe('evaluated');
  });

  it('extracts an unsealed image once for concurrent requests, under the advisory lock', async () => {
    let extractions = 0;
    const events: string[] = [];
    let finish: (seals: FacetSeal[]) => void = () => {};
    const { ports } = fakePorts([drift('os', 'Pass')], {
      findSeals: ({ digest: d }) => Promise.resolve(d === BASE ? [seal('os', BASE)] : []),
      extractions: new SingleFlight<readonly FacetSeal[]>(),
      lockExtraction: () => {
        events.push('lock');
        return Promise.resolve(() => {
          events.push('unlock');
          return Promise.resolve();
        });
      },
      extractOnMiss: () => {
        extractions += 1;
        return new Promise((resolve) => (finish = resolve));
      },
    });
    const a = decideAdmission(podRequest([IMAGE]), options(), ports);
    const b = decideAdmission(podRequest([IMAGE], { uid: 'other' }), options(), ports);
    await new Promise((r) => setImmediate(r));
    finish([seal('os', CUR)]);
    const outcomes = await Promise.all([a, b]);
    expect(extractions).toBe(1);
    expect(events).toEqual(['lock', 'unlock']);
    expect(outcomes.map((o) => o.result.allowed)).toEqual([true, true]);
  });
});
