import { stringify } from 'yaml';
import type { ClusterEnvironment } from '../environments.ts';
import { ALERTMANAGER_CONFIG_TEMPLATE, SECRETS } from '../external-secrets.ts';
import { platformIdentities } from '../identities.ts';
import { IMAGE_UIDS, IMAGES } from '../images.ts';
import type { Manifest } from '../manifest.ts';
import { httpServing } from '../pods.ts';
import { onSystemPool, spreadOnPool } from '../scheduling.ts';
import { resourcesFor } from '../sizing.ts';
import { STORAGE_CLASSES } from '../storage.ts';
import {
  configMap,
  headlessService,
  podDisruptionBudget,
  service,
  serviceAccount,
  statefulSet,
} from '../workloads.ts';
import { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT } from './ports.ts';

/**
 * alertmanager.yml as an External Secrets template: every alert goes to lakehouse-ops' alert
 * webhook, whose URL and bearer token are the Secrets Manager secret's `url` and `token`. The
 * values pass through toJson, so any character in them stays one YAML string. The remediation
 * issue refines the routes; a literal `{{` of Alertmanager's own templates must then be written
 * `{{ "{{" }}`.
 */
const TEMPLATE_VALUES = {
  __WEBHOOK_URL__: '{{ .url | toJson }}',
  __WEBHOOK_TOKEN__: '{{ .token | toJson }}',
};

export function alertmanagerConfigTemplate(): string {
  const config = stringify({
    route: {
      receiver: 'lakehouse-ops',
      group_by: ['alertname', 'namespace', 'workload'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'lakehouse-ops',
        webhook_configs: [
          {
            url: '__WEBHOOK_URL__',
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: '__WEBHOOK_TOKEN__' } },
          },
        ],
      },
    ],
  });
  // The placeholders are plain YAML scalars; the template expressions replace them unquoted, so
  // what External Secrets renders (a JSON string) is the YAML value itself.
  return Object.entries(TEMPLATE_VALUES).reduce(
    (text, [placeholder, expression]) => text.replaceAll(placeholder, expression),
    config,
  );
}

/** Replicas form one cluster through the headless Service (gossip on ALERTMANAGER_CLUSTER_PORT). */
function clusterArgs(name: string, namespace: string, replicas: number): string[] {
  if (replicas === 1) return ['--cluster.listen-address='];
  return [
    `--cluster.listen-address=0.0.0.0:${ALERTMANAGER_CLUSTER_PORT}`,
    ...Array.from(
      { length: replicas },
      (_, ordinal) =>
        `--cluster.peer=${name}-${ordinal}.${name}-headless.${namespace}.svc.cluster.local:${ALERTMANAGER_CLUSTER_PORT}`,
    ),
  ];
}

export function alertmanager(environment: ClusterEnvironment): Manifest[] {
  const { namespace } = environment.layout.monitoring;
  const identity = platformIdentities(environment).alertmanager;
  const replicas = environment.monitoring.alertmanagerReplicas;
  const name = identity.instance;
  const ports: Record<string, number> =
    replicas > 1
      ? { 'http-web': ALERTMANAGER_PORT, 'tcp-mesh': ALERTMANAGER_CLUSTER_PORT }
      : { 'http-web': ALERTMANAGER_PORT };
  const serving = httpServing('http-web', ALERTMANAGER_PORT, {
    ready: '/-/ready',
    live: '/-/healthy',
    startupSeconds: 30,
  });
  return [
    serviceAccount(identity, namespace, name),
    configMap(identity, ALERTMANAGER_CONFIG_TEMPLATE, namespace, {
      'alertmanager.yml': alertmanagerConfigTemplate(),
    }),
    statefulSet({
      identity,
      namespace,
      replicas,
      parallel: true,
      uid: IMAGE_UIDS.alertmanager,
      serviceAccountName: name,
      placement: spreadOnPool(onSystemPool(), identity),
      volumes: [{ name: 'config', secret: { secretName: SECRETS.alertmanagerConfig } }],
      claims: [{ name: 'data', storage: '1Gi', storageClassName: STORAGE_CLASSES.standard }],
      containers: [
        {
          name: 'alertmanager',
          image: IMAGES.alertmanager,
          args: [
            '--config.file=/etc/alertmanager/alertmanager.yml',
            '--storage.path=/alertmanager',
            `--web.listen-address=:${ALERTMANAGER_PORT}`,
            ...clusterArgs(name, namespace, replicas),
          ],
          ...serving,
          ports: Object.entries(ports).map(([portName, containerPort]) => ({
            name: portName,
            containerPort,
            protocol: 'TCP',
          })),
          resources: resourcesFor(environment.tier, 'alertmanager'),
          volumeMounts: [
            { name: 'data', mountPath: '/alertmanager' },
            { name: 'config', mountPath: '/etc/alertmanager', readOnly: true },
          ],
        },
      ],
    }),
    service(identity, namespace, { 'http-web': ALERTMANAGER_PORT }),
    headlessService(identity, namespace, ports),
    ...(replicas > 1 ? [podDisruptionBudget(identity, namespace)] : []),
  ];
}
