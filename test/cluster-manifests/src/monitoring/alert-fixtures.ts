import type { ClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { platformIdentities } from '../../../../cluster-manifests/src/identities.ts';
import { PREFECT_WORK_POOL } from '../../../../cluster-manifests/src/prefect.ts';

/**
 * Input series for `promtool test rules`, one fixture per alert: a case in which it fires (with
 * every label and the summary it fires with) and one in which it stays quiet although the data
 * looks close (a healed state, the wrong namespace, a condition shorter than `for`). The series
 * carry the labels kube-state-metrics, the kubelets, MinIO and the Prefect exporter really give
 * them, scrape labels included, so the rules' aggregations are exercised. Sampled every minute.
 */

export interface InputSeries {
  readonly series: string;
  /** promtool's expanding notation: `1x30` is 31 samples of 1, `0+1x30` counts up, `_` is a gap. */
  readonly values: string;
}

export interface FiringAlert {
  /** Every label but `alertname` and `severity` (promtool and the rule add those). */
  readonly labels: Record<string, string>;
  readonly summary: string;
}

export interface AlertCase {
  readonly series: InputSeries[];
  readonly evalTime: string;
  readonly firing: FiringAlert[];
}

export interface AlertFixture {
  readonly alert: string;
  readonly fires: AlertCase;
  readonly staysQuiet: AlertCase;
}

export const SAMPLE_INTERVAL = '1m';

function series(name: string, labels: Record<string, string>, values: string): InputSeries {
  const rendered = Object.entries(labels)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
  return { series: `${name}{${rendered}}`, values };
}

const KSM = { job: 'kube-state-metrics', instance: '10.0.1.5:8080' };
const NODE = 'ip-10-0-1-17.eu-central-1.compute.internal';

/** kube-state-metrics' series of one pod on NODE, its owner given as ksm names it. */
function podInfo(namespace: string, pod: string, createdBy: [kind: string, name: string], values = '1x90') {
  return series(
    'kube_pod_info',
    {
      ...KSM,
      namespace,
      pod,
      uid: `uid-${pod}`,
      node: NODE,
      created_by_kind: createdBy[0],
      created_by_name: createdBy[1],
    },
    values,
  );
}

function container(namespace: string, pod: string, name: string) {
  return { ...KSM, namespace, pod, uid: `uid-${pod}`, container: name };
}

/** A container whose last termination was an OOM kill, its restart counter and its pod's owner. */
function oomKilled(namespace: string, pod: string, name: string, restarts: string, owner: [string, string]) {
  return [
    series(
      'kube_pod_container_status_last_terminated_reason',
      { ...container(namespace, pod, name), reason: 'OOMKilled' },
      '1x30',
    ),
    series('kube_pod_container_status_restarts_total', container(namespace, pod, name), restarts),
    podInfo(namespace, pod, owner),
  ];
}

function readyCondition(namespace: string, pod: string, ready: string) {
  return series(
    'kube_pod_status_ready',
    { ...KSM, namespace, pod, uid: `uid-${pod}`, condition: 'true' },
    ready,
  );
}

function nodeReady(node: string, ready: string) {
  return series('kube_node_status_condition', { ...KSM, node, condition: 'Ready', status: 'true' }, ready);
}

function volume(namespace: string, claim: string, availableBytes: number, capacityBytes: number) {
  const labels = {
    job: 'kubelet',
    instance: '10.0.1.17:10250',
    node: NODE,
    namespace,
    persistentvolumeclaim: claim,
  };
  return [
    series('kubelet_volume_stats_available_bytes', labels, `${availableBytes}x60`),
    series('kubelet_volume_stats_capacity_bytes', labels, `${capacityBytes}x60`),
  ];
}

/** `up` of a pod scraped by the lakehouse-pods job, with the target labels it adds. */
function podTarget(namespace: string, pod: string, workload: string, values: string) {
  const labels = { job: 'lakehouse-pods', instance: '10.0.3.9:15020', namespace, pod, workload };
  return series('up', labels, values);
}

function minioCluster(metric: string, pod: string, value: string) {
  const labels = {
    job: 'lakehouse-pods',
    instance: `${pod}:9000`,
    namespace: 'minio',
    pod,
    workload: 'minio',
    server: `${pod}:9000`,
  };
  return series(`minio_cluster_${metric}`, labels, value);
}

function workQueue(pool: string, queue: string, lateRuns: string, paused: boolean) {
  return series(
    'prefect_info_work_queues',
    {
      job: 'lakehouse-pods',
      namespace: 'prefect',
      pod: 'prometheus-prefect-exporter-5c9d8-abcde',
      work_pool_name: pool,
      work_queue_name: queue,
      is_paused: paused ? 'True' : 'False',
      late_runs_count: lateRuns,
      healthy: 'False',
    },
    paused ? '0x30' : '1x30',
  );
}

export function alertFixtures(environment: ClusterEnvironment): AlertFixture[] {
  const { prefect, minio, monitoring, s5cmd } = environment.layout;
  const worker = platformIdentities(environment).prefectWorker.instance;
  const workerPod = `${worker}-7d9f6c5b8-x2k4p`;
  const minioPod = `${minio.statefulSet}-2`;
  const minioTarget = {
    namespace: minio.namespace,
    workload: minio.statefulSet,
    workload_kind: 'StatefulSet',
  };
  const quiet = (series: InputSeries[], evalTime: string): AlertCase => ({ series, evalTime, firing: [] });
  return [
    {
      alert: 'PodCrashLooping',
      fires: {
        series: [
          series(
            'kube_pod_container_status_waiting_reason',
            { ...container(prefect.namespace, workerPod, 'worker'), reason: 'CrashLoopBackOff' },
            // Back-off waits with short Running phases between them.
            '1 1 1 _ 1 1 1 1 _ 1 1 1 1 1 _ 1 1 1 1 1 1 1',
          ),
          podInfo(prefect.namespace, workerPod, ['ReplicaSet', `${worker}-7d9f6c5b8`]),
          // A pod no Deployment owns still alerts, without the `deployment` that inhibits one.
          series(
            'kube_pod_container_status_waiting_reason',
            { ...container(prefect.namespace, 'crashing-0', 'main'), reason: 'CrashLoopBackOff' },
            '1x30',
          ),
          podInfo(prefect.namespace, 'crashing-0', ['StatefulSet', 'crashing']),
        ],
        evalTime: '15m',
        firing: [
          {
            labels: { namespace: prefect.namespace, pod: workerPod, host: NODE, deployment: worker },
            summary: `pod ${prefect.namespace}/${workerPod} is crash-looping`,
          },
          {
            labels: { namespace: prefect.namespace, pod: 'crashing-0', host: NODE },
            summary: `pod ${prefect.namespace}/crashing-0 is crash-looping`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          // MinIO's pods are MinioPodNotReady's (quorum check first).
          series(
            'kube_pod_container_status_waiting_reason',
            { ...container(minio.namespace, minioPod, 'minio'), reason: 'CrashLoopBackOff' },
            '1x30',
          ),
          podInfo(minio.namespace, minioPod, ['StatefulSet', minio.statefulSet]),
          // Crash-looped for four minutes and recovered ten minutes ago.
          series(
            'kube_pod_container_status_waiting_reason',
            { ...container(prefect.namespace, workerPod, 'worker'), reason: 'CrashLoopBackOff' },
            '1x4',
          ),
          podInfo(prefect.namespace, workerPod, ['ReplicaSet', `${worker}-7d9f6c5b8`]),
        ],
        '15m',
      ),
    },
    {
      alert: 'DeploymentReplicasUnavailable',
      fires: {
        series: [
          series(
            'kube_deployment_spec_replicas',
            { ...KSM, namespace: prefect.namespace, deployment: prefect.serverDeployment },
            '3x30',
          ),
          series(
            'kube_deployment_status_replicas_available',
            { ...KSM, namespace: prefect.namespace, deployment: prefect.serverDeployment },
            '1x30',
          ),
        ],
        evalTime: '20m',
        firing: [
          {
            labels: { namespace: prefect.namespace, deployment: prefect.serverDeployment },
            summary: `deployment ${prefect.namespace}/${prefect.serverDeployment} lacks 2 available replica(s)`,
          },
        ],
      },
      // A rollout that took ten minutes.
      staysQuiet: quiet(
        [
          series(
            'kube_deployment_spec_replicas',
            { ...KSM, namespace: prefect.namespace, deployment: worker },
            '2x30',
          ),
          series(
            'kube_deployment_status_replicas_available',
            { ...KSM, namespace: prefect.namespace, deployment: worker },
            '0x10 2x20',
          ),
        ],
        '20m',
      ),
    },
    {
      alert: 'ContainerOOMKilled',
      fires: {
        series: [
          ...oomKilled(prefect.namespace, workerPod, 'worker', '0+1x30', [
            'ReplicaSet',
            `${worker}-7d9f6c5b8`,
          ]),
          ...oomKilled(minio.namespace, minioPod, 'minio', '4x3 5x27', ['StatefulSet', minio.statefulSet]),
        ],
        evalTime: '6m',
        firing: [
          {
            labels: {
              namespace: minio.namespace,
              workload: minio.statefulSet,
              workload_kind: 'StatefulSet',
              container: 'minio',
            },
            summary: `container minio of StatefulSet ${minio.namespace}/${minio.statefulSet} was OOM-killed`,
          },
          {
            labels: {
              namespace: prefect.namespace,
              workload: worker,
              workload_kind: 'Deployment',
              container: 'worker',
            },
            summary: `container worker of Deployment ${prefect.namespace}/${worker} was OOM-killed`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          // OOM-killed once, long ago: the reason stays, the restarts stopped.
          ...oomKilled(prefect.namespace, workerPod, 'worker', '3x30', ['ReplicaSet', `${worker}-7d9f6c5b8`]),
          // A Job's pod: no template a playbook could change.
          ...oomKilled(s5cmd.namespace, 'transfer-q8z2w', 's5cmd', '0+1x30', ['Job', 'transfer']),
        ],
        '20m',
      ),
    },
    {
      alert: 'PodsUnschedulable',
      fires: {
        series: [
          series(
            'kube_pod_status_scheduled',
            { ...KSM, namespace: s5cmd.namespace, pod: 'transfer-q8z2w', condition: 'false' },
            '1x30',
          ),
          series(
            'kube_pod_status_scheduled',
            { ...KSM, namespace: s5cmd.namespace, pod: 'transfer-q8z2w', condition: 'true' },
            '0x30',
          ),
        ],
        evalTime: '15m',
        firing: [
          {
            labels: { namespace: s5cmd.namespace, pod: 'transfer-q8z2w' },
            summary: `pod ${s5cmd.namespace}/transfer-q8z2w fits on no node`,
          },
        ],
      },
      // Placed after five minutes (a node came up).
      staysQuiet: quiet(
        [
          series(
            'kube_pod_status_scheduled',
            { ...KSM, namespace: s5cmd.namespace, pod: 'transfer-q8z2w', condition: 'false' },
            '1x5 0x25',
          ),
        ],
        '15m',
      ),
    },
    {
      alert: 'NodeNotReady',
      fires: {
        series: [nodeReady(NODE, '0x30'), nodeReady('ip-10-0-2-4.eu-central-1.compute.internal', '1x30')],
        evalTime: '15m',
        firing: [{ labels: { node: NODE, host: NODE }, summary: `node ${NODE} is not Ready` }],
      },
      // A kubelet restart: NotReady for five minutes.
      staysQuiet: quiet([nodeReady(NODE, '1x5 0x5 1x20')], '15m'),
    },
    {
      alert: 'NodeCordoned',
      fires: {
        series: [series('kube_node_spec_unschedulable', { ...KSM, node: NODE }, '1x90')],
        evalTime: '70m',
        firing: [{ labels: { node: NODE }, summary: `node ${NODE} stays cordoned` }],
      },
      // Cordoned for a drain, then uncordoned.
      staysQuiet: quiet([series('kube_node_spec_unschedulable', { ...KSM, node: NODE }, '1x30 0x60')], '70m'),
    },
    {
      alert: 'KubeStateMetricsDown',
      fires: {
        series: [series('up', KSM, '1x5 0x25')],
        evalTime: '20m',
        firing: [
          {
            labels: { namespace: monitoring.namespace, deployment: 'kube-state-metrics' },
            summary: 'kube-state-metrics is not scraped: the Kubernetes alerts cannot fire',
          },
        ],
      },
      staysQuiet: quiet([series('up', KSM, '1x30')], '20m'),
    },
    {
      alert: 'ScrapeTargetDown',
      fires: {
        series: [podTarget(minio.namespace, minioPod, minio.statefulSet, '0x30')],
        evalTime: '15m',
        firing: [
          {
            labels: { job: 'lakehouse-pods', namespace: minio.namespace, pod: minioPod },
            summary: `lakehouse-pods target ${minio.namespace}/${minioPod} is down`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          podTarget(minio.namespace, minioPod, minio.statefulSet, '1x30'),
          // Prometheus' own target has no Kubernetes target to act on.
          series('up', { job: 'prometheus', instance: 'localhost:9090' }, '0x30'),
        ],
        '15m',
      ),
    },
    {
      alert: 'KubeletScrapeFailing',
      fires: {
        series: [series('up', { job: 'kubelet-cadvisor', instance: '10.0.1.17:10250', node: NODE }, '0x30')],
        evalTime: '15m',
        firing: [
          {
            labels: { job: 'kubelet-cadvisor', node: NODE },
            summary: `the kubelet of node ${NODE} does not answer kubelet-cadvisor scrapes`,
          },
        ],
      },
      staysQuiet: quiet(
        [series('up', { job: 'kubelet', instance: '10.0.1.17:10250', node: NODE }, '1x30')],
        '15m',
      ),
    },
    {
      alert: 'MinioPodNotReady',
      fires: {
        series: [
          readyCondition(minio.namespace, minioPod, '0x30'),
          podInfo(minio.namespace, minioPod, ['StatefulSet', minio.statefulSet]),
          readyCondition(minio.namespace, `${minio.statefulSet}-1`, '1x30'),
          podInfo(minio.namespace, `${minio.statefulSet}-1`, ['StatefulSet', minio.statefulSet]),
        ],
        evalTime: '10m',
        firing: [
          {
            labels: { namespace: minio.namespace, pod: minioPod, host: NODE },
            summary: `MinIO pod ${minio.namespace}/${minioPod} is not Ready`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          // Restarted during a rollout.
          readyCondition(minio.namespace, minioPod, '1x5 0x2 1x20'),
          podInfo(minio.namespace, minioPod, ['StatefulSet', minio.statefulSet]),
          // Not one of the StatefulSet's pods.
          readyCondition(minio.namespace, `${minio.statefulSet}-console-6b7f9-kq2v8`, '0x30'),
          podInfo(minio.namespace, `${minio.statefulSet}-console-6b7f9-kq2v8`, [
            'ReplicaSet',
            `${minio.statefulSet}-console-6b7f9`,
          ]),
        ],
        '10m',
      ),
    },
    {
      alert: 'MinioVolumeFilling',
      fires: {
        series: [
          ...volume(minio.namespace, `data0-${minioPod}`, 10, 100),
          ...volume(minio.namespace, `data1-${minioPod}`, 50, 100),
        ],
        evalTime: '20m',
        firing: [
          {
            labels: { namespace: minio.namespace, persistentvolumeclaim: `data0-${minioPod}` },
            summary: `claim ${minio.namespace}/data0-${minioPod} has 10% free`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          ...volume(minio.namespace, `data0-${minioPod}`, 50, 100),
          // Prometheus' own claim is not MinIO's to expand.
          ...volume(monitoring.namespace, 'data-prometheus-0', 5, 100),
        ],
        '20m',
      ),
    },
    {
      alert: 'MinioNodeOffline',
      fires: {
        series: [
          minioCluster('nodes_offline_total', `${minio.statefulSet}-0`, '1x30'),
          minioCluster('nodes_offline_total', `${minio.statefulSet}-1`, '1x30'),
        ],
        evalTime: '10m',
        firing: [
          {
            labels: minioTarget,
            summary: '1 MinIO node(s) offline: one more and the erasure sets lose quorum',
          },
        ],
      },
      staysQuiet: quiet([minioCluster('nodes_offline_total', `${minio.statefulSet}-0`, '0x30')], '10m'),
    },
    {
      alert: 'MinioDriveOffline',
      fires: {
        series: [minioCluster('drive_offline_total', `${minio.statefulSet}-0`, '2x30')],
        evalTime: '10m',
        firing: [{ labels: minioTarget, summary: '2 MinIO drive(s) offline' }],
      },
      staysQuiet: quiet([minioCluster('drive_offline_total', `${minio.statefulSet}-0`, '1x2 0x28')], '10m'),
    },
    {
      alert: 'MinioCapacityLow',
      fires: {
        series: [
          minioCluster('capacity_usable_free_bytes', `${minio.statefulSet}-0`, '10x60'),
          minioCluster('capacity_usable_total_bytes', `${minio.statefulSet}-0`, '100x60'),
        ],
        evalTime: '40m',
        firing: [{ labels: minioTarget, summary: 'MinIO has less than 15% of its usable capacity free' }],
      },
      staysQuiet: quiet(
        [
          minioCluster('capacity_usable_free_bytes', `${minio.statefulSet}-0`, '20x60'),
          minioCluster('capacity_usable_total_bytes', `${minio.statefulSet}-0`, '100x60'),
        ],
        '40m',
      ),
    },
    {
      alert: 'PrefectWorkQueueBacklog',
      fires: {
        series: [
          workQueue(PREFECT_WORK_POOL, 'default', '12', false),
          workQueue(PREFECT_WORK_POOL, 'backfill', '0', false),
        ],
        evalTime: '15m',
        firing: [
          {
            labels: { namespace: prefect.namespace, deployment: worker, work_pool_name: PREFECT_WORK_POOL },
            summary: `work pool ${PREFECT_WORK_POOL} has a queue with 5 or more late flow runs`,
          },
        ],
      },
      staysQuiet: quiet(
        [
          workQueue(PREFECT_WORK_POOL, 'default', '4', false),
          // Paused on purpose: its late runs wait for a person.
          workQueue(PREFECT_WORK_POOL, 'backfill', '40', true),
          // Another pool's workers are not this Deployment.
          workQueue('gpu', 'default', '9', false),
          workQueue(PREFECT_WORK_POOL, 'adhoc', 'null', false),
        ],
        '15m',
      ),
    },
  ];
}
