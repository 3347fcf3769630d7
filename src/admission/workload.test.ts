import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZastavaError } from '../model/errors.ts';
import type { AdmissionRequest } from './review.ts';
import { podRequest } from './test-ports.ts';
import { extractWorkload, type WorkloadExtraction } from './workload.ts';

const podSpec = (image: string, extra: object = {}) => ({
  containers: [{ name: 'app', image }],
  initContainers: [{ name: 'init', image: 'busybox:1' }],
  ...extra,
});

function workloadRequest(
  group: string,
  resource: string,
  kind: string,
  object: unknown,
  extra: Partial<AdmissionRequest> = {},
) {
  return podRequest([], {
    kind: { group, version: 'v1', kind },
    resource: { group, version: 'v1', resource },
    object,
    ...extra,
  });
}

function images(result: WorkloadExtraction): string[] {
  if (result.action !== 'evaluate') throw new Error(`expected evaluate, got pass: ${result.reason}`);
  return result.workload.images.map((i) => `${i.containerKind}/${i.containerName}=${i.image}`);
}

describe('extractWorkload', () => {
  it('reads a Pod: init, regular and ephemeral containers, service account and pull secrets', () => {
    const result = extractWorkload(
      podRequest({ initContainers: ['i:1'], containers: ['a:1', 'b:1'], ephemeralContainers: ['d:1'] }),
    );
    expect(images(result)).toEqual([
      'initContainer/init0=i:1',
      'container/c0=a:1',
      'container/c1=b:1',
      'ephemeralContainer/debug0=d:1',
    ]);
    expect(result).toMatchObject({
      workload: {
        kind: 'Pod',
        name: 'web',
        namespace: 'shop',
        serviceAccountName: 'web-sa',
        imagePullSecrets: ['regcred'],
      },
    });
  });

  it('defaults the service account to "default" and honours the deprecated serviceAccount field', () => {
    const plain = extractWorkload(
      podRequest([], { object: { spec: { containers: [{ name: 'a', image: 'a' }] } } }),
    );
    expect(plain).toMatchObject({ workload: { serviceAccountName: 'default', imagePullSecrets: [] } });
    const old = extractWorkload(
      podRequest([], {
        object: { spec: { serviceAccount: 'legacy', containers: [{ name: 'a', image: 'a' }] } },
      }),
    );
    expect(old).toMatchObject({ workload: { serviceAccountName: 'legacy' } });
  });

  it.each([
    ['apps', 'deployments', 'Deployment'],
    ['apps', 'replicasets', 'ReplicaSet'],
    ['apps', 'statefulsets', 'StatefulSet'],
    ['apps', 'daemonsets', 'DaemonSet'],
    ['batch', 'jobs', 'Job'],
    ['', 'replicationcontrollers', 'ReplicationController'],
  ])('reads the pod template of %s/%s', (group, resource, kind) => {
    const object = { metadata: { name: 'w' }, spec: { replicas: 2, template: { spec: podSpec('app:2') } } };
    const result = extractWorkload(workloadRequest(group, resource, kind, object));
    expect(images(result)).toEqual(['initContainer/init=busybox:1', 'container/app=app:2']);
    expect(result).toMatchObject({ workload: { kind, name: 'web' } });
  });

  it('reads a CronJob through jobTemplate.spec.template', () => {
    const object = {
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: podSpec('cron:1') } } } },
    };
    expect(images(extractWorkload(workloadRequest('batch', 'cronjobs', 'CronJob', object)))).toContain(
      'container/app=cron:1',
    );
  });

  it('evaluates only the images an UPDATE changed', () => {
    const before = { spec: { template: { spec: podSpec('app:1') } } };
    const after = { spec: { template: { spec: podSpec('app:2') } } };
    const result = extractWorkload(
      workloadRequest('apps', 'deployments', 'Deployment', after, { operation: 'UPDATE', oldObject: before }),
    );
    expect(images(result)).toEqual(['container/app=app:2']);
  });

  it('passes an UPDATE that changes no image (a scale through the main resource, a label)', () => {
    const before = { spec: { replicas: 1, template: { spec: podSpec('app:1') } } };
    const after = { spec: { replicas: 5, template: { spec: podSpec('app:1') } } };
    const result = extractWorkload(
      workloadRequest('apps', 'deployments', 'Deployment', after, { operation: 'UPDATE', oldObject: before }),
    );
    expect(result).toEqual({ action: 'pass', reason: 'the update changes no image' });
  });

  it('evaluates a Pod UPDATE that changes an image, and the ephemeralcontainers subresource', () => {
    const old = { spec: podSpec('app:1') };
    const changed = extractWorkload(
      podRequest([], { operation: 'UPDATE', object: { spec: podSpec('app:2') }, oldObject: old }),
    );
    expect(images(changed)).toEqual(['container/app=app:2']);
    const debug = extractWorkload(
      podRequest([], {
        operation: 'UPDATE',
        subResource: 'ephemeralcontainers',
        object: { spec: podSpec('app:1', { ephemeralContainers: [{ name: 'dbg', image: 'debug:1' }] }) },
        oldObject: old,
      }),
    );
    expect(images(debug)).toEqual(['ephemeralContainer/dbg=debug:1']);
  });

  it.each([
    ['DELETE', podRequest(['a:1'], { operation: 'DELETE', object: null })],
    ['CONNECT', podRequest(['a:1'], { operation: 'CONNECT', subResource: 'exec' })],
    [
      'scale',
      workloadRequest(
        'apps',
        'deployments',
        'Scale',
        { spec: { replicas: 3 } },
        { operation: 'UPDATE', subResource: 'scale' },
      ),
    ],
    ['status', podRequest(['a:1'], { operation: 'UPDATE', subResource: 'status' })],
    ['other resources', workloadRequest('', 'configmaps', 'ConfigMap', { data: {} })],
  ])('always passes %s', (_label, request) => {
    expect(extractWorkload(request).action).toBe('pass');
  });

  it.each([
    ['a Pod without spec', podRequest([], { object: { metadata: {} } })],
    ['a container without image', podRequest([], { object: { spec: { containers: [{ name: 'a' }] } } })],
    ['a CREATE without object', podRequest([], { object: undefined })],
    ['an UPDATE without oldObject', podRequest(['a:1'], { operation: 'UPDATE' })],
    ['a Deployment without template', workloadRequest('apps', 'deployments', 'Deployment', { spec: {} })],
  ])('refuses %s as ADMISSION_REVIEW_MALFORMED', (_label, request) => {
    try {
      extractWorkload(request);
      expect.unreachable();
    } catch (error) {
      expect(isZastavaError(error) && error.code).toBe('ADMISSION_REVIEW_MALFORMED');
    }
  });

  it('throws nothing but ADMISSION_REVIEW_MALFORMED for any object (fuzz)', () => {
    const resources = fc.constantFrom('pods', 'deployments', 'cronjobs', 'jobs', 'replicationcontrollers');
    fc.assert(
      fc.property(
        resources,
        fc.jsonValue(),
        fc.jsonValue(),
        fc.constantFrom('CREATE', 'UPDATE'),
        (resource, object, oldObject, operation) => {
          const group =
            resource === 'pods' || resource === 'replicationcontrollers'
              ? ''
              : resource === 'deployments'
                ? 'apps'
                : 'batch';
          const request = workloadRequest(group, resource, 'X', object, { operation, oldObject });
          try {
            extractWorkload(request);
          } catch (error) {
            expect(isZastavaError(error) && error.code).toBe('ADMISSION_REVIEW_MALFORMED');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
