import { z } from 'zod';
import { AdmissionError } from './errors.ts';
import { describeIssues, type AdmissionRequest } from './review.ts';

/**
 * Which images an admission request asks to run (SPEC §11). Pods (CREATE; UPDATE only when an image
 * changed), the `pods/ephemeralcontainers` subresource, and the pod templates of workloads, so that a
 * `kubectl apply` of a Deployment is answered at once instead of by a ReplicaSet that silently fails.
 * DELETE, CONNECT, `scale` and every other subresource, and updates that change no image, always pass.
 */
export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface WorkloadImage {
  readonly containerName: string;
  readonly containerKind: ContainerKind;
  readonly image: string;
}

export interface Workload {
  /** The object's kind (`Pod`, `Deployment`, …) and name, for messages and logs. */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly imagePullSecrets: readonly string[];
  /** The containers to evaluate, in pod order: init, regular, ephemeral. */
  readonly images: readonly WorkloadImage[];
}

export type WorkloadExtraction =
  | { readonly action: 'evaluate'; readonly workload: Workload }
  | { readonly action: 'pass'; readonly reason: string };

const Container = z.object({ name: z.string().min(1), image: z.string().min(1) });
const PodSpec = z.object({
  containers: z.array(Container).default([]),
  initContainers: z.array(Container).nullish(),
  ephemeralContainers: z.array(Container).nullish(),
  serviceAccountName: z.string().nullish(),
  /** Deprecated alias of serviceAccountName, still honoured by the API server. */
  serviceAccount: z.string().nullish(),
  imagePullSecrets: z.array(z.object({ name: z.string().optional() })).nullish(),
});
type PodSpec = z.infer<typeof PodSpec>;

const Metadata = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
});
const Template = z.object({ spec: PodSpec });
const Pod = z.object({ metadata: Metadata.optional(), spec: PodSpec });
const TemplateOwner = z.object({ metadata: Metadata.optional(), spec: z.object({ template: Template }) });
const CronJob = z.object({
  metadata: Metadata.optional(),
  spec: z.object({ jobTemplate: z.object({ spec: z.object({ template: Template }) }) }),
});

type Metadata = z.infer<typeof Metadata>;
type Reader = (object: unknown, field: string) => { spec: PodSpec; metadata: Metadata };

function reader<T extends { metadata?: Metadata | undefined }>(
  schema: z.ZodType<T>,
  pick: (parsed: T) => PodSpec,
): Reader {
  return (object, field) => {
    const parsed = schema.safeParse(object);
    if (!parsed.success) {
      throw new AdmissionError(
        'ADMISSION_REVIEW_MALFORMED',
        `request.${field}: ${describeIssues(parsed.error)}`,
      );
    }
    return { spec: pick(parsed.data), metadata: parsed.data.metadata ?? {} };
  };
}

const readPod = reader(Pod, (pod) => pod.spec);
const readTemplate = reader(TemplateOwner, (owner) => owner.spec.template.spec);
const readCronJob = reader(CronJob, (cronJob) => cronJob.spec.jobTemplate.spec.template.spec);

/** `group/resource` → how to find its pod spec. ReplicationControllers too: they are a pod template. */
const READERS: ReadonlyMap<string, Reader> = new Map([
  ['/pods', readPod],
  ['apps/deployments', readTemplate],
  ['apps/replicasets', readTemplate],
  ['apps/statefulsets', readTemplate],
  ['apps/daemonsets', readTemplate],
  ['batch/jobs', readTemplate],
  ['batch/cronjobs', readCronJob],
  ['/replicationcontrollers', readTemplate],
]);

export function podImages(spec: PodSpec): WorkloadImage[] {
  const list = (containers: readonly z.infer<typeof Container>[] | null | undefined, kind: ContainerKind) =>
    (containers ?? []).map((c) => ({ containerName: c.name, containerKind: kind, image: c.image }));
  return [
    ...list(spec.initContainers, 'initContainer'),
    ...list(spec.containers, 'container'),
    ...list(spec.ephemeralContainers, 'ephemeralContainer'),
  ];
}

const imageKey = (i: WorkloadImage) => `${i.containerKind}\u0000${i.containerName}`;

/** The images of `next` that `previous` did not run in the same container (new or changed). */
export function changedImages(
  next: readonly WorkloadImage[],
  previous: readonly WorkloadImage[],
): WorkloadImage[] {
  const before = new Map(previous.map((i) => [imageKey(i), i.image]));
  return next.filter((i) => before.get(imageKey(i)) !== i.image);
}

export function extractWorkload(request: AdmissionRequest): WorkloadExtraction {
  const { operation, resource } = request;
  const subResource = request.subResource ?? '';
  if (operation === 'DELETE' || operation === 'CONNECT')
    return { action: 'pass', reason: `${operation} is never blocked` };
  const key = `${resource.group}/${resource.resource}`;
  const read = READERS.get(key);
  if (read === undefined) return { action: 'pass', reason: `${key} carries no pod spec` };
  const isEphemeral = key === '/pods' && subResource === 'ephemeralcontainers';
  if (subResource !== '' && !isEphemeral)
    return { action: 'pass', reason: `subresource ${subResource} is never blocked` };
  if (request.object === undefined || request.object === null) {
    throw new AdmissionError(
      'ADMISSION_REVIEW_MALFORMED',
      `request.object: required for ${operation} of ${key}`,
    );
  }
  const current = read(request.object, 'object');
  let images = podImages(current.spec);
  if (operation === 'UPDATE') {
    if (request.oldObject === undefined || request.oldObject === null) {
      throw new AdmissionError(
        'ADMISSION_REVIEW_MALFORMED',
        `request.oldObject: required for UPDATE of ${key}`,
      );
    }
    images = changedImages(images, podImages(read(request.oldObject, 'oldObject').spec));
    if (images.length === 0) return { action: 'pass', reason: 'the update changes no image' };
  }
  const spec = current.spec;
  const name = request.name ?? current.metadata.name ?? current.metadata.generateName ?? '';
  return {
    action: 'evaluate',
    workload: {
      kind: request.kind.kind,
      name,
      namespace: request.namespace ?? current.metadata.namespace ?? 'default',
      serviceAccountName: spec.serviceAccountName ?? spec.serviceAccount ?? 'default',
      imagePullSecrets: (spec.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
      images,
    },
  };
}
