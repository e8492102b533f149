import {
  type Condition,
  type Container,
  conditionOf,
  controllerOf,
  type Job,
  type KubeObject,
  type Node,
  type Pod,
  type PodDisruptionBudget,
  type Workload,
} from './model.ts';
import type { ObjectApi } from './objects.ts';
import { parseQuantity } from './quantity.ts';
import { TYPES } from './resources.ts';

/**
 * /metrics in the kube-state-metrics exposition format (text/plain; version=0.0.4), with the
 * metric and label names kube-state-metrics v2 uses, so the alert rules written for a real
 * cluster evaluate unchanged against a Prometheus that scrapes kube-sim.
 */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
type Sample = [Labels, number];

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Sample[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`];
  for (const [labels, value] of family.samples) {
    const rendered = Object.entries(labels)
      .map(([key, labelValue]) => `${key}="${escapeLabel(labelValue)}"`)
      .join(',');
    lines.push(`${family.name}{${rendered}} ${Number.isFinite(value) ? value : 0}`);
  }
  return lines.join('\n');
}

const CONDITION_STATUSES = [
  ['true', 'True'],
  ['false', 'False'],
  ['unknown', 'Unknown'],
] as const;

/**
 * One sample per status value, 1 for the one that holds, as ksm exports conditions. The value goes
 * in `status` for node conditions and in `condition` for pod/job ones (ksm's own naming).
 */
function conditionSamples(
  labels: Labels,
  condition: Condition | undefined,
  valueLabel: 'status' | 'condition' = 'status',
): Sample[] {
  return CONDITION_STATUSES.map(([label, status]) => [
    { ...labels, [valueLabel]: label },
    condition?.status === status ? 1 : 0,
  ]);
}

function resourceSamples(base: Labels, resources: Record<string, string> | undefined): Sample[] {
  return Object.entries(resources ?? {}).map(([resource, quantity]) => {
    const unit = resource === 'cpu' ? 'core' : resource === 'pods' ? 'integer' : 'byte';
    return [{ ...base, resource: resource.replace(/[./-]/g, '_'), unit }, parseQuantity(quantity)];
  });
}

function nodeFamilies(nodes: Node[]): Family[] {
  const conditionTypes = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];
  return [
    {
      name: 'kube_node_info',
      help: 'Information about a cluster node.',
      type: 'gauge',
      samples: nodes.map((node) => [
        {
          node: node.metadata.name ?? '',
          kernel_version: node.status?.nodeInfo?.kernelVersion ?? '',
          kubelet_version: node.status?.nodeInfo?.kubeletVersion ?? '',
          os_image: node.status?.nodeInfo?.osImage ?? '',
          container_runtime_version: node.status?.nodeInfo?.containerRuntimeVersion ?? '',
          provider_id: node.spec?.providerID ?? '',
          internal_ip:
            node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? '',
        },
        1,
      ]),
    },
    {
      name: 'kube_node_status_condition',
      help: 'The condition of a cluster node.',
      type: 'gauge',
      samples: nodes.flatMap((node) =>
        conditionTypes
          .filter((type) => conditionOf(node.status?.conditions, type))
          .flatMap((type) =>
            conditionSamples(
              { node: node.metadata.name ?? '', condition: type },
              conditionOf(node.status?.conditions, type),
            ),
          ),
      ),
    },
    {
      name: 'kube_node_spec_unschedulable',
      help: 'Whether a node can schedule new pods.',
      type: 'gauge',
      samples: nodes.map((node) => [{ node: node.metadata.name ?? '' }, node.spec?.unschedulable ? 1 : 0]),
    },
    {
      name: 'kube_node_spec_taint',
      help: 'The taint of a cluster node.',
      type: 'gauge',
      samples: nodes.flatMap((node) =>
        (node.spec?.taints ?? []).map(
          (taint): Sample => [
            {
              node: node.metadata.name ?? '',
              key: taint.key,
              value: taint.value ?? '',
              effect: taint.effect,
            },
            1,
          ],
        ),
      ),
    },
    {
      name: 'kube_node_status_allocatable',
      help: 'The allocatable for different resources of a node that are available for scheduling.',
      type: 'gauge',
      samples: nodes.flatMap((node) =>
        resourceSamples({ node: node.metadata.name ?? '' }, node.status?.allocatable),
      ),
    },
    {
      name: 'kube_node_status_capacity',
      help: 'The capacity for different resources of a node.',
      type: 'gauge',
      samples: nodes.flatMap((node) =>
        resourceSamples({ node: node.metadata.name ?? '' }, node.status?.capacity),
      ),
    },
  ];
}

function podLabels(pod: Pod): Labels {
  return {
    namespace: pod.metadata.namespace ?? '',
    pod: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
}

function containerSamples(
  pods: Pod[],
  sample: (pod: Pod, container: Container, labels: Labels) => Sample[],
): Sample[] {
  return pods.flatMap((pod) =>
    pod.spec.containers.flatMap((container) =>
      sample(pod, container, { ...podLabels(pod), container: container.name }),
    ),
  );
}

function statusOf(pod: Pod, container: string) {
  return pod.status?.containerStatuses?.find((status) => status.name === container);
}

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function podFamilies(pods: Pod[]): Family[] {
  return [
    {
      name: 'kube_pod_info',
      help: 'Information about pod.',
      type: 'gauge',
      samples: pods.map((pod) => {
        const owner = controllerOf(pod);
        return [
          {
            ...podLabels(pod),
            node: pod.spec.nodeName ?? '',
            host_ip: pod.status?.hostIP ?? '',
            pod_ip: pod.status?.podIP ?? '',
            created_by_kind: owner?.kind ?? '',
            created_by_name: owner?.name ?? '',
          },
          1,
        ];
      }),
    },
    {
      name: 'kube_pod_status_phase',
      help: 'The pods current phase.',
      type: 'gauge',
      samples: pods.flatMap((pod) =>
        PHASES.map((phase): Sample => [{ ...podLabels(pod), phase }, pod.status?.phase === phase ? 1 : 0]),
      ),
    },
    {
      name: 'kube_pod_status_ready',
      help: 'Describes whether the pod is ready to serve requests.',
      type: 'gauge',
      samples: pods.flatMap((pod) =>
        conditionSamples(podLabels(pod), conditionOf(pod.status?.conditions, 'Ready'), 'condition'),
      ),
    },
    {
      name: 'kube_pod_status_scheduled',
      help: 'Describes the status of the scheduling process for the pod.',
      type: 'gauge',
      samples: pods.flatMap((pod) =>
        conditionSamples(podLabels(pod), conditionOf(pod.status?.conditions, 'PodScheduled'), 'condition'),
      ),
    },
    {
      name: 'kube_pod_container_status_restarts_total',
      help: 'The number of container restarts per container.',
      type: 'counter',
      samples: containerSamples(pods, (pod, container, labels) => [
        [labels, statusOf(pod, container.name)?.restartCount ?? 0],
      ]),
    },
    {
      name: 'kube_pod_container_status_ready',
      help: 'Describes whether the containers readiness check succeeded.',
      type: 'gauge',
      samples: containerSamples(pods, (pod, container, labels) => [
        [labels, statusOf(pod, container.name)?.ready ? 1 : 0],
      ]),
    },
    {
      name: 'kube_pod_container_status_waiting_reason',
      help: 'Describes the reason the container is currently in waiting state.',
      type: 'gauge',
      samples: containerSamples(pods, (pod, container, labels) => {
        const reason = statusOf(pod, container.name)?.state.waiting?.reason;
        return reason ? [[{ ...labels, reason }, 1]] : [];
      }),
    },
    {
      name: 'kube_pod_container_status_last_terminated_reason',
      help: 'Describes the last reason the container was in terminated state.',
      type: 'gauge',
      samples: containerSamples(pods, (pod, container, labels) => {
        const reason = statusOf(pod, container.name)?.lastState.terminated?.reason;
        return reason ? [[{ ...labels, reason }, 1]] : [];
      }),
    },
    {
      name: 'kube_pod_container_resource_requests',
      help: 'The number of requested request resource by a container.',
      type: 'gauge',
      samples: containerSamples(pods, (pod, container, labels) =>
        resourceSamples({ ...labels, node: pod.spec.nodeName ?? '' }, container.resources?.requests),
      ),
    },
    {
      name: 'kube_pod_container_resource_limits',
      help: 'The number of requested limit resource by a container.',
      type: 'gauge',
      samples: containerSamples(pods, (pod, container, labels) =>
        resourceSamples({ ...labels, node: pod.spec.nodeName ?? '' }, container.resources?.limits),
      ),
    },
  ];
}

function workloadGauge(
  name: string,
  help: string,
  objects: KubeObject[],
  label: string,
  value: (object: KubeObject) => number | undefined,
): Family {
  return {
    name,
    help,
    type: 'gauge',
    samples: objects.map(
      (object): Sample => [
        { namespace: object.metadata.namespace ?? '', [label]: object.metadata.name ?? '' },
        value(object) ?? 0,
      ],
    ),
  };
}

function statusNumber(object: KubeObject, field: string): number | undefined {
  return ((object.status ?? {}) as Record<string, number | undefined>)[field];
}

function workloadFamilies(api: ObjectApi): Family[] {
  const deployments = api.list(TYPES.deployment);
  const statefulSets = api.list(TYPES.statefulSet);
  const daemonSets = api.list(TYPES.daemonSet);
  const jobs = api.list(TYPES.job) as Job[];
  const budgets = api.list(TYPES.podDisruptionBudget) as PodDisruptionBudget[];
  const replicas = (object: KubeObject) => (object as Workload).spec.replicas ?? 1;
  return [
    workloadGauge(
      'kube_deployment_spec_replicas',
      'Number of desired pods for a deployment.',
      deployments,
      'deployment',
      replicas,
    ),
    workloadGauge(
      'kube_deployment_status_replicas',
      'The number of replicas per deployment.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'replicas'),
    ),
    workloadGauge(
      'kube_deployment_status_replicas_available',
      'The number of available replicas per deployment.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'availableReplicas'),
    ),
    workloadGauge(
      'kube_deployment_status_replicas_ready',
      'The number of ready replicas per deployment.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'readyReplicas'),
    ),
    workloadGauge(
      'kube_deployment_status_replicas_unavailable',
      'The number of unavailable replicas per deployment.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'unavailableReplicas'),
    ),
    workloadGauge(
      'kube_deployment_status_replicas_updated',
      'The number of updated replicas per deployment.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'updatedReplicas'),
    ),
    workloadGauge(
      'kube_deployment_status_observed_generation',
      'The generation observed by the deployment controller.',
      deployments,
      'deployment',
      (object) => statusNumber(object, 'observedGeneration'),
    ),
    workloadGauge(
      'kube_deployment_metadata_generation',
      'Sequence number representing a specific generation of the desired state.',
      deployments,
      'deployment',
      (object) => object.metadata.generation,
    ),
    workloadGauge(
      'kube_statefulset_replicas',
      'Number of desired pods for a StatefulSet.',
      statefulSets,
      'statefulset',
      replicas,
    ),
    workloadGauge(
      'kube_statefulset_status_replicas',
      'The number of replicas per StatefulSet.',
      statefulSets,
      'statefulset',
      (object) => statusNumber(object, 'replicas'),
    ),
    workloadGauge(
      'kube_statefulset_status_replicas_ready',
      'The number of ready replicas per StatefulSet.',
      statefulSets,
      'statefulset',
      (object) => statusNumber(object, 'readyReplicas'),
    ),
    workloadGauge(
      'kube_statefulset_status_replicas_current',
      'The number of current replicas per StatefulSet.',
      statefulSets,
      'statefulset',
      (object) => statusNumber(object, 'currentReplicas'),
    ),
    workloadGauge(
      'kube_statefulset_status_replicas_updated',
      'The number of updated replicas per StatefulSet.',
      statefulSets,
      'statefulset',
      (object) => statusNumber(object, 'updatedReplicas'),
    ),
    workloadGauge(
      'kube_daemonset_status_desired_number_scheduled',
      'The number of nodes that should be running the daemon pod.',
      daemonSets,
      'daemonset',
      (object) => statusNumber(object, 'desiredNumberScheduled'),
    ),
    workloadGauge(
      'kube_daemonset_status_number_ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      daemonSets,
      'daemonset',
      (object) => statusNumber(object, 'numberReady'),
    ),
    workloadGauge(
      'kube_job_status_active',
      'The number of actively running pods.',
      jobs,
      'job_name',
      (object) => statusNumber(object, 'active'),
    ),
    workloadGauge(
      'kube_job_status_succeeded',
      'The number of pods which reached Phase Succeeded.',
      jobs,
      'job_name',
      (object) => statusNumber(object, 'succeeded'),
    ),
    workloadGauge(
      'kube_job_status_failed',
      'The number of pods which reached Phase Failed.',
      jobs,
      'job_name',
      (object) => statusNumber(object, 'failed'),
    ),
    {
      name: 'kube_job_complete',
      help: 'The job has completed its execution.',
      type: 'gauge',
      samples: jobs.flatMap((job) =>
        conditionSamples(
          { namespace: job.metadata.namespace ?? '', job_name: job.metadata.name ?? '' },
          conditionOf(job.status?.conditions, 'Complete'),
          'condition',
        ),
      ),
    },
    workloadGauge(
      'kube_poddisruptionbudget_status_pod_disruptions_allowed',
      'Number of pod disruptions that are currently allowed.',
      budgets,
      'poddisruptionbudget',
      (object) => statusNumber(object, 'disruptionsAllowed'),
    ),
    workloadGauge(
      'kube_poddisruptionbudget_status_current_healthy',
      'Current number of healthy pods.',
      budgets,
      'poddisruptionbudget',
      (object) => statusNumber(object, 'currentHealthy'),
    ),
    workloadGauge(
      'kube_poddisruptionbudget_status_desired_healthy',
      'Minimum desired number of healthy pods.',
      budgets,
      'poddisruptionbudget',
      (object) => statusNumber(object, 'desiredHealthy'),
    ),
  ];
}

export function renderMetrics(api: ObjectApi): string {
  const nodes = api.list(TYPES.node) as Node[];
  const pods = api.list(TYPES.pod) as Pod[];
  const families = [...nodeFamilies(nodes), ...podFamilies(pods), ...workloadFamilies(api)];
  return `${families.map(renderFamily).join('\n')}\n`;
}
