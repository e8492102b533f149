import { isPlainObject, type KubeObject, type PodSpec } from './model.ts';

/**
 * Defaulting, as the API server applies it when it decodes an object: runs on create and update,
 * so it must be idempotent. Only the defaults our controllers and clients read are filled in.
 */
export interface DefaultingContext {
  allocateClusterIP(): string;
}

type Spec = Record<string, unknown>;

function specOf(object: KubeObject): Spec {
  if (!isPlainObject(object.spec)) object.spec = {};
  return object.spec as Spec;
}

export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    container.imagePullPolicy ??=
      String(container.image ?? '').endsWith(':latest') || !String(container.image ?? '').includes(':')
        ? 'Always'
        : 'IfNotPresent';
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.resources ??= {};
  }
}

function defaultTemplate(spec: Spec): void {
  const template = spec.template as { spec?: PodSpec } | undefined;
  if (template?.spec) defaultPodSpec(template.spec);
}

function defaultRollingWorkload(spec: Spec): void {
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec);
}

const KIND_DEFAULTS: Record<string, (object: KubeObject, context: DefaultingContext) => void> = {
  Namespace(namespace) {
    const spec = specOf(namespace);
    spec.finalizers ??= ['kubernetes'];
    namespace.status = { phase: 'Active', ...(namespace.status as Spec | undefined) };
    namespace.metadata.labels = {
      ...namespace.metadata.labels,
      'kubernetes.io/metadata.name': namespace.metadata.name ?? '',
    };
  },
  Pod(pod) {
    const spec = specOf(pod) as PodSpec;
    spec.serviceAccountName ??= 'default';
    defaultPodSpec(spec);
  },
  Deployment(deployment) {
    const spec = specOf(deployment);
    defaultRollingWorkload(spec);
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  },
  ReplicaSet(replicaSet) {
    defaultRollingWorkload(specOf(replicaSet));
  },
  StatefulSet(statefulSet) {
    const spec = specOf(statefulSet);
    defaultRollingWorkload(spec);
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  },
  DaemonSet(daemonSet) {
    const spec = specOf(daemonSet);
    spec.revisionHistoryLimit ??= 10;
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
    defaultTemplate(spec);
  },
  Job(job) {
    const spec = specOf(job);
    defaultJobSelector(job, spec);
    spec.parallelism ??= 1;
    spec.completions ??= 1;
    spec.backoffLimit ??= 6;
    spec.completionMode ??= 'NonIndexed';
    spec.suspend ??= false;
    defaultTemplate(spec);
  },
  CronJob(cronJob) {
    const spec = specOf(cronJob);
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jobTemplate = spec.jobTemplate as { spec?: Spec } | undefined;
    if (jobTemplate?.spec) defaultTemplate(jobTemplate.spec);
  },
  Service(service, context) {
    const spec = specOf(service);
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (spec.clusterIP === undefined) spec.clusterIP = context.allocateClusterIP();
    spec.clusterIPs ??= [spec.clusterIP];
    for (const port of (spec.ports as Spec[] | undefined) ?? []) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  },
  Secret(secret) {
    secret.type ??= 'Opaque';
    // stringData is write-only: the server folds it into data and never returns it.
    if (isPlainObject(secret.stringData)) {
      const encoded = Object.fromEntries(
        Object.entries(secret.stringData).map(([key, value]) => [
          key,
          Buffer.from(String(value)).toString('base64'),
        ]),
      );
      secret.data = { ...(secret.data as Record<string, string> | undefined), ...encoded };
    }
    delete secret.stringData;
  },
  PersistentVolumeClaim(claim) {
    const spec = specOf(claim);
    spec.volumeMode ??= 'Filesystem';
    spec.storageClassName ??= 'gp2';
  },
};

/**
 * Jobs get a selector on their own uid unless the client asks for a manual one, so pods of a
 * re-created Job with the same name are never adopted by the wrong Job.
 */
function defaultJobSelector(job: KubeObject, spec: Spec): void {
  const { uid, name } = job.metadata;
  if (spec.manualSelector || spec.selector || !uid || !name) return;
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = (spec.template ?? {}) as { metadata?: { labels?: Record<string, string> } };
  template.metadata = {
    ...template.metadata,
    labels: {
      ...template.metadata?.labels,
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    },
  };
  spec.template = template;
}

export function applyDefaults(object: KubeObject, context: DefaultingContext): void {
  KIND_DEFAULTS[object.kind]?.(object, context);
}
