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
import { ALERT_TARGET_LABELS, HOST_LABEL } from './alert-rule.ts';
import { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT } from './ports.ts';
import { type MonitoringTiming, PRODUCTION_TIMING } from './timing.ts';

/** Where the webhook's bearer token is mounted (the ExternalSecret SECRETS.alertmanagerWebhookToken). */
export const WEBHOOK_TOKEN_DIRECTORY = '/etc/alertmanager-webhook';
const WEBHOOK_TOKEN_FILE = `${WEBHOOK_TOKEN_DIRECTORY}/token`;
const RECEIVER = 'lakehouse-ops';

/**
 * Alerts with the same name and target go out together; every label that can name a target is
 * listed (a missing label groups as empty), so one notification never mixes two targets.
 */
const GROUP_BY = ['alertname', ...new Set(Object.values(ALERT_TARGET_LABELS).flat())];

/**
 * Alerts per notification. The ingress refuses bodies over 1 MiB; an alert is 1-2 KiB of JSON,
 * so 100 leave ample room. A group above it (only info groups, by alert name, get that large) is
 * cut and says how many alerts it left out.
 */
const MAX_ALERTS = 100;

export interface AlertmanagerConfigOptions {
  readonly webhookUrl: string;
  /** The bearer token's file. Alertmanager reads it on every delivery: a rotated token needs no reload. */
  readonly credentialsFile: string;
  readonly timing?: MonitoringTiming;
}

/**
 * Every alert goes to lakehouse-ops' alert webhook, which starts remediation for critical and
 * warning alerts and only notifies for info ones; the routes differ in how fast and how often.
 * Critical alerts leave within seconds. Info alerts are grouped by name: nothing acts on them, so a
 * digest is enough. A node that is not Ready silences the alerts of its pods and the other alerts
 * about it: draining it (cordon-drain-node) is the remedy, and a restart on a dead node cannot help.
 */
export function alertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  const timing = options.timing ?? PRODUCTION_TIMING;
  return {
    route: {
      receiver: RECEIVER,
      group_by: [...GROUP_BY],
      group_wait: timing.groupWait('30s'),
      group_interval: timing.groupInterval('5m'),
      repeat_interval: '4h',
      routes: [
        {
          receiver: RECEIVER,
          matchers: ['severity="critical"'],
          group_wait: timing.groupWait('5s'),
          group_interval: timing.groupInterval('1m'),
          repeat_interval: '1h',
        },
        { receiver: RECEIVER, matchers: ['severity="warning"'] },
        {
          receiver: RECEIVER,
          matchers: ['severity="info"'],
          group_by: ['alertname'],
          group_wait: timing.groupWait('5m'),
          group_interval: timing.groupInterval('30m'),
          repeat_interval: '24h',
        },
      ],
    },
    // `equal` treats a label missing on both sides as equal: each target side therefore requires
    // the label, or one NodeNotReady would silence every alert without it.
    inhibit_rules: [
      ...[HOST_LABEL, 'node'].map((label) => ({
        source_matchers: ['alertname="NodeNotReady"'],
        target_matchers: ['alertname!="NodeNotReady"', `${label}=~".+"`],
        equal: [label],
      })),
      // A crash-looping pod is one replica its Deployment lacks: delete-pod answers the pod's alert,
      // and rollout-restart on the Deployment (its budget usually forbids it) would only page twice.
      // Once the pod's alert ends, a Deployment still short of replicas notifies as usual.
      {
        source_matchers: ['alertname="PodCrashLooping"'],
        target_matchers: ['alertname="DeploymentReplicasUnavailable"', 'deployment=~".+"'],
        equal: ['namespace', 'deployment'],
      },
    ],
    receivers: [
      {
        name: RECEIVER,
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            max_alerts: MAX_ALERTS,
            http_config: {
              authorization: { type: 'Bearer', credentials_file: options.credentialsFile },
            },
          },
        ],
      },
    ],
  };
}

const URL_PLACEHOLDER = '__WEBHOOK_URL__';

/**
 * alertmanager.yml as an External Secrets template: the webhook URL is the Secrets Manager secret's
 * `url` (the ingress endpoint exists only once lakehouse-ops is deployed), passed through toJson so
 * any character in it stays one YAML string. The token is not in the file: it is mounted on its own
 * (SECRETS.alertmanagerWebhookToken), so the rendered configuration never holds it. A literal `{{`
 * in the configuration (an Alertmanager template) would have to be written `{{ "{{" }}`.
 */
export function alertmanagerConfigTemplate(): string {
  const config = stringify(
    alertmanagerConfig({ webhookUrl: URL_PLACEHOLDER, credentialsFile: WEBHOOK_TOKEN_FILE }),
  );
  // The placeholder is a plain YAML scalar; the template expression replaces it unquoted, so what
  // External Secrets renders (a JSON string) is the YAML value itself.
  return config.replaceAll(URL_PLACEHOLDER, '{{ .url | toJson }}');
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
      volumes: [
        { name: 'config', secret: { secretName: SECRETS.alertmanagerConfig } },
        { name: 'webhook-token', secret: { secretName: SECRETS.alertmanagerWebhookToken } },
      ],
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
            { name: 'webhook-token', mountPath: WEBHOOK_TOKEN_DIRECTORY, readOnly: true },
          ],
        },
      ],
    }),
    service(identity, namespace, { 'http-web': ALERTMANAGER_PORT }),
    headlessService(identity, namespace, ports),
    ...(replicas > 1 ? [podDisruptionBudget(identity, namespace)] : []),
  ];
}
