import type { ClusterEnvironment } from '../environments.ts';
import { platformIdentities } from '../identities.ts';
import { IMAGE_UIDS, IMAGES } from '../images.ts';
import type { Manifest } from '../manifest.ts';
import { httpProbe, scrapeAnnotations } from '../pods.ts';
import { clusterRole, clusterRoleBinding, rule, serviceAccountSubject } from '../rbac-objects.ts';
import { onSystemPool } from '../scheduling.ts';
import { resourcesFor } from '../sizing.ts';
import { deployment, serviceAccount } from '../workloads.ts';
import { KUBE_STATE_METRICS_PORT, KUBE_STATE_METRICS_TELEMETRY_PORT } from './ports.ts';

/**
 * The objects kube-state-metrics exports, by API group: what the alert rules (restarts, available
 * replicas) and the cost workflow (OOM kills, HPAs, requests) read. It may list and watch these
 * and nothing else.
 */
const EXPORTED_RESOURCES: Record<string, string[]> = {
  '': ['pods', 'nodes', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes'],
  apps: ['deployments', 'statefulsets', 'daemonsets'],
  batch: ['jobs', 'cronjobs'],
  autoscaling: ['horizontalpodautoscalers'],
  policy: ['poddisruptionbudgets'],
};

export function kubeStateMetrics(environment: ClusterEnvironment): Manifest[] {
  const { namespace } = environment.layout.monitoring;
  const identity = platformIdentities(environment).kubeStateMetrics;
  const name = identity.instance;
  const resources = Object.values(EXPORTED_RESOURCES).flat();
  return [
    serviceAccount(identity, namespace, name),
    clusterRole(
      `lakehouse:${name}`,
      Object.entries(EXPORTED_RESOURCES).map(([group, plural]) => rule(group, plural, ['list', 'watch'])),
    ),
    clusterRoleBinding(`lakehouse:${name}`, serviceAccountSubject(namespace, name)),
    // One replica: a second would export every series twice. A restart only gaps the series.
    deployment({
      identity,
      namespace,
      replicas: 1,
      uid: IMAGE_UIDS.kubeStateMetrics,
      serviceAccountName: name,
      mountServiceAccountToken: true,
      placement: onSystemPool(),
      annotations: scrapeAnnotations(KUBE_STATE_METRICS_PORT),
      containers: [
        {
          name: 'kube-state-metrics',
          image: IMAGES.kubeStateMetrics,
          args: [
            `--port=${KUBE_STATE_METRICS_PORT}`,
            `--telemetry-port=${KUBE_STATE_METRICS_TELEMETRY_PORT}`,
            `--resources=${resources.join(',')}`,
            // Flow-run pods carry their work pool's name: right-sizing maps their usage to the pool.
            '--metric-labels-allowlist=pods=[prefect.io/work-pool-name]',
          ],
          ports: [
            { name: 'http-metrics', containerPort: KUBE_STATE_METRICS_PORT, protocol: 'TCP' },
            { name: 'http-telemetry', containerPort: KUBE_STATE_METRICS_TELEMETRY_PORT, protocol: 'TCP' },
          ],
          resources: resourcesFor(environment.tier, 'kubeStateMetrics'),
          readinessProbe: httpProbe('/readyz', 'http-telemetry'),
          livenessProbe: { ...httpProbe('/livez', 'http-metrics', 20), initialDelaySeconds: 10 },
        },
      ],
    }),
  ];
}
