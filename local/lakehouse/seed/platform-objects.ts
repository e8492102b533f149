import type { PlatformLayout } from '../../../functions/core/platform/layout.ts';
import type { KubeObject } from '../../kube-sim/model.ts';
import { POOL_LABEL, STORAGE_TAINT } from './node-pools.ts';
import {
  clusterIpService,
  deployment,
  namespace,
  podDisruptionBudget,
  serviceAccount,
  statefulSet,
  suspendedCronJob,
  type WorkloadSpec,
} from './workload-builders.ts';

/**
 * The lakehouse platform as it runs on the cluster: Prefect (server, workers, PostgreSQL), the
 * 4-node MinIO, the s5cmd executor and the monitoring stack, at the names the checks look for
 * (functions/core/platform/layout.ts). Images are pinned, as in cluster-manifests/.
 */

export const PLATFORM_IMAGES = {
  prefect: 'prefecthq/prefect:3.1.15-python3.12',
  postgresql: 'postgres:16.6-bookworm',
  minio: 'quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z',
  s5cmd: 'peakcom/s5cmd:v2.3.0',
  prometheus: 'quay.io/prometheus/prometheus:v2.55.1',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.4.0',
} as const;

const ON_SYSTEM_NODES = { nodeSelector: { [POOL_LABEL]: 'system' } };
const ON_STORAGE_NODES = {
  nodeSelector: { [POOL_LABEL]: 'storage' },
  tolerations: [
    { key: STORAGE_TAINT.key, operator: 'Equal', value: STORAGE_TAINT.value, effect: 'NoSchedule' },
  ],
};
const ON_SPOT_NODES = { nodeSelector: { 'eks.amazonaws.com/capacityType': 'SPOT' } };

export function prefectWorkloads(layout: PlatformLayout): WorkloadSpec[] {
  const { namespace: ns, serverDeployment, serverReplicas } = layout.prefect;
  const worker = (name: string, pool: string, placement: object): WorkloadSpec => ({
    namespace: ns,
    name,
    app: 'prefect',
    component: 'prefect-worker',
    replicas: 2,
    serviceAccountName: 'prefect-worker',
    // One worker version at a time: during a rolling update old and new workers would poll the same
    // work pool and run flows with different images. It also means a bad image stops the pool.
    strategy: 'Recreate',
    ...placement,
    containers: [
      {
        name: 'worker',
        image: PLATFORM_IMAGES.prefect,
        args: ['prefect', 'worker', 'start', '--type', 'kubernetes', '--pool', pool],
        cpu: '100m',
        memory: '256Mi',
      },
    ],
  });
  return [
    {
      namespace: ns,
      name: serverDeployment,
      app: 'prefect',
      component: 'server',
      replicas: serverReplicas,
      ...ON_SYSTEM_NODES,
      containers: [
        {
          name: 'prefect-server',
          image: PLATFORM_IMAGES.prefect,
          args: ['prefect', 'server', 'start', '--host', '0.0.0.0'],
          port: 4200,
          cpu: '250m',
          memory: '512Mi',
        },
      ],
    },
    worker('prefect-worker-default', 'default', ON_SYSTEM_NODES),
    worker('prefect-worker-spot', 'spot', ON_SPOT_NODES),
  ];
}

export function buildPlatformObjects(
  layout: PlatformLayout,
  region: string,
  accountId: string,
): KubeObject[] {
  const { prefect, minio, s5cmd, monitoring } = layout;
  const [server, ...workers] = prefectWorkloads(layout);
  const postgresql: WorkloadSpec = {
    namespace: prefect.namespace,
    name: 'prefect-postgresql',
    app: 'postgresql',
    component: 'database',
    replicas: 1,
    ...ON_SYSTEM_NODES,
    containers: [
      { name: 'postgresql', image: PLATFORM_IMAGES.postgresql, port: 5432, cpu: '250m', memory: '1Gi' },
    ],
  };
  const minioServers: WorkloadSpec = {
    namespace: minio.namespace,
    name: minio.statefulSet,
    app: 'minio',
    component: 'object-store',
    replicas: minio.replicas,
    ...ON_STORAGE_NODES,
    containers: [
      {
        name: 'minio',
        image: PLATFORM_IMAGES.minio,
        args: [
          'server',
          `http://${minio.statefulSet}-{0...${minio.replicas - 1}}.${minio.statefulSet}-headless.${minio.namespace}.svc.cluster.local/data`,
        ],
        port: 9000,
        cpu: '2',
        memory: '8Gi',
      },
    ],
  };
  const s5cmdExecutor: WorkloadSpec = {
    namespace: s5cmd.namespace,
    name: s5cmd.jobTemplateCronJob,
    app: 's5cmd',
    component: 'transfer',
    replicas: 1,
    serviceAccountName: s5cmd.serviceAccount,
    containers: [{ name: 's5cmd', image: PLATFORM_IMAGES.s5cmd, args: ['--help'], cpu: '1', memory: '1Gi' }],
  };
  const monitoringWorkload = (
    name: string,
    app: string,
    replicas: number,
    container: { image: string; port: number; cpu: string; memory: string },
  ): WorkloadSpec => ({
    namespace: monitoring.namespace,
    name,
    app,
    component: 'monitoring',
    replicas,
    ...ON_SYSTEM_NODES,
    containers: [{ name: app, ...container }],
  });
  const prometheus = monitoringWorkload(monitoring.prometheusStatefulSet, 'prometheus', 2, {
    image: PLATFORM_IMAGES.prometheus,
    port: 9090,
    cpu: '200m',
    memory: '2Gi',
  });
  const alertmanager = monitoringWorkload(monitoring.alertmanagerStatefulSet, 'alertmanager', 3, {
    image: PLATFORM_IMAGES.alertmanager,
    port: 9093,
    cpu: '50m',
    memory: '128Mi',
  });
  const grafana = monitoringWorkload(monitoring.grafanaDeployment, 'grafana', 1, {
    image: PLATFORM_IMAGES.grafana,
    port: 3000,
    cpu: '100m',
    memory: '256Mi',
  });

  return [
    namespace(prefect.namespace, 'restricted'),
    namespace(minio.namespace, 'baseline'),
    namespace(s5cmd.namespace, 'restricted'),
    namespace(monitoring.namespace, 'baseline'),
    serviceAccount(
      prefect.namespace,
      'prefect-worker',
      `arn:aws:iam::${accountId}:role/lakehouse-prefect-worker`,
    ),
    deployment(server!),
    clusterIpService(server!, 4200),
    podDisruptionBudget(server!, { minAvailable: server!.replicas - 1 }),
    ...workers.flatMap((worker) => [deployment(worker), podDisruptionBudget(worker, { maxUnavailable: 1 })]),
    ...statefulSet({ ...postgresql, storage: '50Gi' }),
    // The Service the pg_dump Job connects to (POSTGRES_HOST), as the Prefect chart creates it.
    clusterIpService(postgresql, 5432),
    ...statefulSet({ ...minioServers, storage: '1Ti' }),
    // MinIO erasure coding tolerates losing one server of four; a second eviction would cost quorum.
    podDisruptionBudget(minioServers, { maxUnavailable: 1 }),
    serviceAccount(
      s5cmd.namespace,
      s5cmd.serviceAccount,
      `arn:aws:iam::${accountId}:role/lakehouse-s5cmd-executor-${region}`,
    ),
    suspendedCronJob(s5cmdExecutor),
    ...statefulSet({ ...prometheus, storage: '100Gi' }),
    podDisruptionBudget(prometheus, { maxUnavailable: 1 }),
    ...statefulSet({ ...alertmanager, storage: '1Gi' }),
    podDisruptionBudget(alertmanager, { maxUnavailable: 1 }),
    deployment(grafana),
    clusterIpService(grafana, 3000),
  ];
}

/** Every image the seeded objects run, for the kube-sim registry (unknown images fail to pull). */
export function imagesOf(objects: readonly KubeObject[]): string[] {
  const images = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (Array.isArray(record.containers)) {
        for (const container of record.containers as { image?: string }[])
          if (container.image) images.add(container.image);
      }
      Object.values(record).forEach(visit);
    }
  };
  visit(objects);
  return [...images].sort();
}
