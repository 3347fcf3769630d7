import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admissionReview } from '../../test/fixtures/index.ts';
import { isZastavaError } from '../model/errors.ts';
import { buildAdmissionReview, parseAdmissionReview, STATUS_MESSAGE_MAX_CHARS } from './review.ts';
import type { AdmissionError } from './errors.ts';

const valid = admissionReview({
  uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
  requestKind: true,
  name: 'web',
  userInfo: { username: 'admin', uid: '014fbff9', groups: ['system:authenticated'], extra: { k: ['v'] } },
  object: { apiVersion: 'v1', kind: 'Pod', spec: { containers: [] } },
  oldObject: null,
  dryRun: false,
  options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isZastavaError(error) ? error.code : 'NOT A ZASTAVA ERROR';
  }
}

describe('parseAdmissionReview', () => {
  it('reads a review as the API server sends it (oldObject null on CREATE)', () => {
    const request = parseAdmissionReview(valid);
    expect(request).toMatchObject({ uid: valid.request.uid, operation: 'CREATE', namespace: 'shop' });
    expect(request.object).toEqual(valid.request.object);
  });

  it.each([
    ['another apiVersion', { ...valid, apiVersion: 'admission.k8s.io/v1beta1' }],
    ['another kind', { ...valid, kind: 'Review' }],
    ['no request', { apiVersion: valid.apiVersion, kind: valid.kind }],
    ['an empty uid', { ...valid, request: { ...valid.request, uid: '' } }],
    ['an unknown operation', { ...valid, request: { ...valid.request, operation: 'PATCH' } }],
    ['a string body', 'AdmissionReview'],
    ['null', null],
    ['an array', [valid]],
  ])('refuses %s with ADMISSION_REVIEW_MALFORMED', (_label, body) => {
    expect(codeOf(() => parseAdmissionReview(body))).toBe('ADMISSION_REVIEW_MALFORMED');
  });

  it('names the field at fault without echoing its value', () => {
    const body = { ...valid, request: { ...valid.request, operation: 'S3CR3T' } };
    try {
      parseAdmissionReview(body);
      expect.unreachable();
    } catch (error) {
      expect((error as AdmissionError).message).toContain('request.operation');
      expect((error as AdmissionError).message).not.toContain('S3CR3T');
    }
  });

  it('never throws anything but ADMISSION_REVIEW_MALFORMED, whatever the JSON (fuzz)', () => {
    const mutated = fc.record({
      apiVersion: fc.oneof(fc.constant('admission.k8s.io/v1'), fc.jsonValue()),
      kind: fc.oneof(fc.constant('AdmissionReview'), fc.jsonValue()),
      request: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            uid: fc.oneof(fc.string(), fc.jsonValue()),
            kind: fc.oneof(fc.constant(valid.request.kind), fc.jsonValue()),
            resource: fc.oneof(fc.constant(valid.request.resource), fc.jsonValue()),
            operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), fc.jsonValue()),
            object: fc.jsonValue(),
            dryRun: fc.oneof(fc.boolean(), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) => {
        const code = codeOf(() => parseAdmissionReview(JSON.parse(JSON.stringify(body)) as unknown));
        expect([undefined, 'ADMISSION_REVIEW_MALFORMED']).toContain(code);
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildAdmissionReview', () => {
  it('echoes the uid with the exact apiVersion and kind, and never a patch', () => {
    const review = buildAdmissionReview('abc', { allowed: true, warnings: [] });
    expect(review).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true },
    });
    expect(JSON.stringify(review)).not.toMatch(/patch/i);
  });

  it('carries status only when denied, with code 403 and the message', () => {
    const allowed = buildAdmissionReview('a', { allowed: true, message: 'fine', warnings: [] });
    expect(allowed.response).not.toHaveProperty('status');
    const denied = buildAdmissionReview('a', { allowed: false, message: 'no', warnings: [] });
    expect(denied.response.status).toEqual({ code: 403, message: 'no' });
    const bare = buildAdmissionReview('a', { allowed: false, warnings: [] });
    expect(bare.response.status?.message).toBe('denied by zastava');
  });

  it('bounds the status message', () => {
    const denied = buildAdmissionReview('a', { allowed: false, message: 'x'.repeat(10_000), warnings: [] });
    expect(Array.from(denied.response.status?.message ?? '').length).toBe(STATUS_MESSAGE_MAX_CHARS);
    expect(denied.response.status?.message).toMatch(/truncated/);
  });

  it('sends bounded warnings, each at most 120 characters', () => {
    const warnings = Array.from({ length: 40 }, (_, i) => `warning ${i} `.repeat(30));
    const review = buildAdmissionReview('a', { allowed: true, warnings });
    const sent = review.response.warnings ?? [];
    expect(sent.length).toBeLessThanOrEqual(12);
    expect(sent.every((w) => Array.from(w).length <= 120)).toBe(true);
    expect(sent.join('').length).toBeLessThanOrEqual(1500);
    expect(sent.at(-1)).toMatch(/more warnings not shown/);
  });
});
