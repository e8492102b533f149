import { stringify } from 'yaml';
import type { ClusterEnvironment } from '../environments.ts';
import { SECRETS } from '../external-secrets.ts';
import { platformIdentities } from '../identities.ts';
import { IMAGE_UIDS, IMAGES } from '../images.ts';
import type { Manifest } from '../manifest.ts';
import { httpServing, scratch, secretEnv } from '../pods.ts';
import { onSystemPool } from '../scheduling.ts';
import { resourcesFor } from '../sizing.ts';
import { configMap, deployment, service, serviceAccount } from '../workloads.ts';
import { DATASOURCES, lakehouseOpsDashboard } from './dashboards.ts';
import { ALERTMANAGER_PORT, GRAFANA_PORT, PROMETHEUS_PORT } from './ports.ts';

const DASHBOARDS_PATH = '/var/lib/grafana-dashboards';
export const GRAFANA_CONFIG_MAPS = {
  datasources: 'grafana-datasources',
  providers: 'grafana-dashboard-providers',
  dashboards: 'grafana-dashboards-lakehouse-ops',
} as const;

function datasources(environment: ClusterEnvironment): Record<string, unknown> {
  const { namespace, prometheusStatefulSet, alertmanagerStatefulSet } = environment.layout.monitoring;
  const inCluster = (name: string, port: number) => `http://${name}.${namespace}.svc.cluster.local:${port}`;
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        ...DATASOURCES.prometheus,
        access: 'proxy',
        url: inCluster(prometheusStatefulSet, PROMETHEUS_PORT),
        isDefault: true,
      },
      {
        name: 'Alertmanager',
        ...DATASOURCES.alertmanager,
        access: 'proxy',
        url: inCluster(alertmanagerStatefulSet, ALERTMANAGER_PORT),
        jsonData: { implementation: 'prometheus' },
      },
      {
        name: 'CloudWatch',
        ...DATASOURCES.cloudwatch,
        // The AWS SDK's default chain: Grafana's EKS Pod Identity role (CloudWatch read-only).
        jsonData: { authType: 'default', defaultRegion: environment.region },
      },
    ],
  };
}

const DASHBOARD_PROVIDERS = {
  apiVersion: 1,
  providers: [
    {
      name: 'lakehouse-ops',
      folder: 'lakehouse-ops',
      type: 'file',
      // Dashboards are code: edits in the UI would be lost on the next restart, so they are refused.
      disableDeletion: true,
      allowUiUpdates: false,
      options: { path: DASHBOARDS_PATH },
    },
  ],
};

/**
 * Grafana, everything provisioned from ConfigMaps (data sources, dashboards), so its database holds
 * nothing worth keeping: an emptyDir, one replica (SQLite is not shared), no PodDisruptionBudget.
 */
export function grafana(environment: ClusterEnvironment): Manifest[] {
  const { namespace } = environment.layout.monitoring;
  const identity = platformIdentities(environment).grafana;
  const name = identity.instance;
  const writable = [scratch('data', '/var/lib/grafana'), scratch('tmp', '/tmp')];
  const provisioned = [
    { volume: GRAFANA_CONFIG_MAPS.datasources, path: '/etc/grafana/provisioning/datasources' },
    { volume: GRAFANA_CONFIG_MAPS.providers, path: '/etc/grafana/provisioning/dashboards' },
    { volume: GRAFANA_CONFIG_MAPS.dashboards, path: DASHBOARDS_PATH },
  ];
  return [
    serviceAccount(identity, namespace, name),
    configMap(identity, GRAFANA_CONFIG_MAPS.datasources, namespace, {
      'datasources.yaml': stringify(datasources(environment)),
    }),
    configMap(identity, GRAFANA_CONFIG_MAPS.providers, namespace, {
      'dashboards.yaml': stringify(DASHBOARD_PROVIDERS),
    }),
    configMap(identity, GRAFANA_CONFIG_MAPS.dashboards, namespace, {
      'lakehouse-ops.json': `${JSON.stringify(lakehouseOpsDashboard(environment), null, 2)}\n`,
    }),
    deployment({
      identity,
      namespace,
      replicas: 1,
      uid: IMAGE_UIDS.grafana,
      serviceAccountName: name,
      placement: onSystemPool(),
      volumes: [
        ...writable.map((path) => path.volume),
        ...provisioned.map(({ volume }) => ({ name: volume, configMap: { name: volume } })),
      ],
      containers: [
        {
          name: 'grafana',
          image: IMAGES.grafana,
          env: [
            secretEnv('GF_SECURITY_ADMIN_USER', SECRETS.grafanaAdmin, 'admin-user'),
            secretEnv('GF_SECURITY_ADMIN_PASSWORD', SECRETS.grafanaAdmin, 'admin-password'),
            { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
            { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
            { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
            { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
          ],
          ...httpServing('http-web', GRAFANA_PORT, { ready: '/api/health', startupSeconds: 30 }),
          resources: resourcesFor(environment.tier, 'grafana'),
          volumeMounts: [
            ...writable.map((path) => path.mount),
            ...provisioned.map(({ volume, path }) => ({ name: volume, mountPath: path, readOnly: true })),
          ],
        },
      ],
    }),
    service(identity, namespace, { 'http-web': GRAFANA_PORT }),
  ];
}
