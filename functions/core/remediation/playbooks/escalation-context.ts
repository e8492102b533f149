import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import type { Target } from '../target.ts';
import { podsOfWorkload, resolveWorkload } from './workloads.ts';

/**
 * What the person paged after a failed chain reads first: the target's recent Events and the last
 * lines of its pods' logs (a crash-looping container's previous run, where the crash is). Bounded,
 * so the message fits a notification: a few pods (unready ones first), a few lines and bytes per
 * container. A log that cannot be read is named with the reason instead of failing the escalation.
 */
export interface EscalationEvent {
  readonly object: string;
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastSeen?: string;
}

export interface EscalationLog {
  readonly pod: string;
  readonly container: string;
  readonly previous: boolean;
  /** The log's last lines, or why there is none. */
  readonly text: string;
}

export interface EscalationContext {
  readonly events: readonly EscalationEvent[];
  readonly logs: readonly EscalationLog[];
}

export interface EscalationLimits {
  readonly maxEvents: number;
  readonly maxPods: number;
  readonly tailLines: number;
  readonly limitBytes: number;
}

export const DEFAULT_ESCALATION_LIMITS: EscalationLimits = {
  maxEvents: 20,
  maxPods: 3,
  tailLines: 30,
  limitBytes: 4096,
};

/** Node events are recorded in the default namespace. */
const CLUSTER_EVENTS_NAMESPACE = 'default';

function lastSeen(event: CoreV1Event): string | undefined {
  const time =
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return time === undefined ? undefined : new Date(time as unknown as string).toISOString();
}

/** Events about one object; a cluster-scoped one's are in the default namespace. */
async function eventsOf(
  api: KubernetesApi,
  kind: string,
  name: string,
  namespace?: string,
): Promise<EscalationEvent[]> {
  const events = await api.list(
    kubernetesResources.events.inNamespace(namespace ?? CLUSTER_EVENTS_NAMESPACE),
    {
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    },
  );
  return events.map((event) => ({
    object: `${kind} ${namespace ? `${namespace}/` : ''}${name}`,
    type: event.type,
    reason: event.reason,
    message: event.message,
    count: event.count,
    lastSeen: lastSeen(event),
  }));
}

/** The pods whose logs explain the target, unready first. */
async function podsOf(api: KubernetesApi, target: Target): Promise<V1Pod[]> {
  const namespace = target.namespace ?? '';
  switch (target.kind) {
    case 'Pod': {
      const pod = await api.get(kubernetesResources.pods.named(namespace, target.name));
      return pod ? [pod] : [];
    }
    case 'Deployment':
    case 'StatefulSet': {
      const resolution = await resolveWorkload(api, target);
      return resolution.found ? podsOfWorkload(api, resolution.workload) : [];
    }
    case 'Node':
      return api.list(kubernetesResources.pods.inAllNamespaces(), {
        fieldSelector: `spec.nodeName=${target.name}`,
      });
    case 'PersistentVolumeClaim': {
      const pods = await api.list(kubernetesResources.pods.inNamespace(namespace));
      return pods.filter((pod) =>
        (pod.spec?.volumes ?? []).some((volume) => volume.persistentVolumeClaim?.claimName === target.name),
      );
    }
    case 'NodeGroup':
      return [];
  }
}

async function logsOf(api: KubernetesApi, pod: V1Pod, limits: EscalationLimits): Promise<EscalationLog[]> {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  return Promise.all(
    (pod.spec?.containers ?? []).map(async (container) => {
      const status = pod.status?.containerStatuses?.find((entry) => entry.name === container.name);
      // A container that restarted died in its previous run: that log holds the reason.
      const previous = (status?.restartCount ?? 0) > 0 && !status?.state?.running;
      let text: string;
      try {
        text = await api.podLog(namespace, name, {
          container: container.name,
          tailLines: limits.tailLines,
          limitBytes: limits.limitBytes,
          previous,
        });
      } catch (error) {
        text = `(no log: ${(error as Error).message})`;
      }
      return { pod: `${namespace}/${name}`, container: container.name, previous, text };
    }),
  );
}

export async function escalationContext(
  api: KubernetesApi,
  target: Target,
  limits: EscalationLimits = DEFAULT_ESCALATION_LIMITS,
): Promise<EscalationContext> {
  const pods = (await podsOf(api, target))
    .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)))
    .slice(0, limits.maxPods);
  // A node group is no Kubernetes object: its nodes' and pods' events are all there is.
  const ownEvents =
    target.kind === 'NodeGroup' ? [] : await eventsOf(api, target.kind, target.name, target.namespace);
  const podEvents = await Promise.all(
    pods
      .filter((pod) => !(target.kind === 'Pod' && pod.metadata?.name === target.name))
      .map((pod) => eventsOf(api, 'Pod', pod.metadata?.name ?? '', pod.metadata?.namespace)),
  );
  const events = [...ownEvents, ...podEvents.flat()]
    .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))
    .slice(0, limits.maxEvents);
  const logs = (await Promise.all(pods.map((pod) => logsOf(api, pod, limits)))).flat();
  return { events, logs };
}
