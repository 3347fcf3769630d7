/**
 * AdmissionReview bodies shaped like kube-apiserver's (defaults filled in, managedFields, user info), with
 * `[<id>]` where autocannon's `idReplacement` puts a fresh id, so every review has its own uid (and its own
 * audit row). Images are pinned by digest, as in a pod spec that deploys what CI sealed.
 */
import { admissionReviewBody, POD_TYPE, type ReviewedType } from '../../test/fixtures/index.ts';

export interface BenchImages {
  /** `host/repository@digest` of the approved baseline and of the drifted image. */
  readonly baseline: (repository: string) => string;
  readonly drifted: (repository: string) => string;
}

function container(name: string, image: string) {
  return {
    name,
    image,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'NODE_ENV', value: 'production' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [
      {
        name: 'kube-api-access',
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
  };
}

function podSpec(containers: object[], initContainers: object[]) {
  return {
    volumes: [{ name: 'kube-api-access', projected: { defaultMode: 420, sources: [] } }],
    initContainers,
    containers,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
}

const metadata = (name: string) => ({
  name,
  namespace: 'shop',
  labels: { app: 'shop', 'app.kubernetes.io/version': '2.0.0' },
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Pod"}\n' },
  managedFields: [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2024-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': {} },
    },
  ],
});

const userInfo = {
  username: 'system:serviceaccount:ci:deployer',
  uid: '6f1c1b5e-0000-4000-8000-000000000001',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
};

/** A Pod (CREATE) with an init container and three containers: two drifted images and one baseline. */
export function podReview(images: BenchImages): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata('shop-web'),
    spec: podSpec(
      [
        container('web', images.drifted('shop/web')),
        container('api', images.drifted('shop/api')),
        container('proxy', images.baseline('shop/proxy')),
      ],
      [container('migrate', images.baseline('shop/web'))],
    ),
    status: {},
  };
  return createReview(POD_TYPE, 'shop-web', pod);
}

/** A Pod (CREATE) running one image: phase (d)'s probe. */
export function singleImageReview(image: string): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata('shop-probe'),
    spec: podSpec([container('probe', image)], []),
    status: {},
  };
  return createReview(POD_TYPE, 'shop-probe', pod);
}

/** A Deployment (CREATE) whose template runs a drifted image beside a baseline one. */
export function deploymentReview(images: BenchImages): string {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...metadata('shop-api'), generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: podSpec(
          [container('api', images.drifted('shop/api')), container('proxy', images.baseline('shop/proxy'))],
          [],
        ),
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
  return createReview({ group: 'apps', kind: 'Deployment', resource: 'deployments' }, 'shop-api', deployment);
}

/** A CREATE AdmissionReview as kube-apiserver sends it for `kubectl apply`; `[<id>]` is the uid's slot. */
function createReview(type: ReviewedType, name: string, object: object): string {
  return admissionReviewBody({
    uid: 'bench-[<id>]',
    type,
    requestKind: true,
    name,
    userInfo,
    object,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl' },
  });
}

/**
 * Every benchmark response must be a real decision: HTTP 200, allowed, with the drift warnings, and not
 * the `onError` fallback (which is also a 200). Anything else counts as an error.
 */
export function isExpectedDecision(body: string): boolean {
  return (
    body.includes('"allowed":true') &&
    body.includes('"warnings"') &&
    !body.includes('onError') &&
    !body.includes('ADMISSION_')
  );
}
