import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { handleValidate } from './handle.ts';
import { DEFAULTS, drift, fakePorts, podRequest } from './test-ports.ts';

const review = (request = podRequest(['registry.example/app:v2'])) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request,
});

describe('handleValidate', () => {
  it('answers 200 with the AdmissionReview response, metrics counted and logs correlated', async () => {
    const { ports } = fakePorts([drift('binary', 'Block')]);
    const stream = new PassThrough();
    let logged = '';
    stream.on('data', (c: Buffer) => (logged += c.toString()));
    const metrics = createMetrics(new Registry(), { processMetrics: false });
    const reply = await handleValidate(review(), {
      ports,
      defaults: DEFAULTS,
      timeoutSeconds: 10,
      metrics,
      log: createLogger({ destination: stream, level: 'debug' }),
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: false, status: { code: 403 } },
    });
    expect(await metrics.registry.metrics()).toContain('decision="Block",facet_id="binary"} 1');
    await new Promise((r) => setImmediate(r));
    expect(logged).toContain('"correlationId":"705ab4f5-6393-11e8-b7cc-42010a800002"');
    expect(logged).toContain('"facetId":"binary"');
  });

  it('answers 400 with the error code to a malformed review', async () => {
    const { ports } = fakePorts([]);
    const reply = await handleValidate(
      { kind: 'AdmissionReview' },
      { ports, defaults: DEFAULTS, timeoutSeconds: 10 },
    );
    expect(reply).toMatchObject({ status: 400, body: { code: 'ADMISSION_REVIEW_MALFORMED' } });
    const badPod = review(podRequest([], { object: { spec: { containers: [{ name: 'x' }] } } }));
    expect((await handleValidate(badPod, { ports, defaults: DEFAULTS, timeoutSeconds: 10 })).status).toBe(
      400,
    );
  });

  it('answers an unexpected failure with the onError decision, said explicitly', async () => {
    const { ports } = fakePorts([], {
      clock: {
        now: () => 0,
        sleep: () => {
          throw new Error('bug');
        },
      },
    });
    const reply = await handleValidate(review(), { ports, defaults: DEFAULTS, timeoutSeconds: 10 });
    expect(reply).toMatchObject({
      status: 200,
      body: {
        response: {
          allowed: false,
          status: { code: 403, message: expect.stringContaining('onError is "deny"') as unknown },
        },
      },
    });
  });

  it('answers any body with 200 or 400 and never throws (fuzz)', async () => {
    const { ports } = fakePorts([drift('binary', 'Warn')]);
    const base = review();
    const mutate = fc.record({
      apiVersion: fc.constantFrom(base.apiVersion, 'v1'),
      kind: fc.constant(base.kind),
      request: fc.record({
        uid: fc.oneof(fc.constant('u'), fc.jsonValue()),
        kind: fc.constantFrom(base.request.kind, { group: 'apps', version: 'v1', kind: 'Deployment' }),
        resource: fc.constantFrom(base.request.resource, {
          group: 'apps',
          version: 'v1',
          resource: 'deployments',
        }),
        operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'),
        subResource: fc.option(fc.constantFrom('status', 'ephemeralcontainers', 'scale'), { nil: undefined }),
        object: fc.oneof(fc.constant(base.request.object), fc.jsonValue()),
        oldObject: fc.oneof(fc.constant(base.request.object), fc.jsonValue()),
        dryRun: fc.boolean(),
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), mutate), async (body) => {
        const reply = await handleValidate(JSON.parse(JSON.stringify(body)) as unknown, {
          ports,
          defaults: DEFAULTS,
          timeoutSeconds: 10,
        });
        expect([200, 400]).toContain(reply.status);
      }),
      { numRuns: 300 },
    );
  });
});
