import { scanAll } from '../../../functions/commons/dynamodb-pages.ts';
import type { RecordedEvent } from '../../../local/aws-sim/events.ts';
import type { AwsSim } from '../../../local/aws-sim/server.ts';
import { OPS_TABLE, useLocalDynamoDb } from './local-dynamodb.ts';
import { useAwsSim } from './simulators.ts';

/**
 * What the alert-ingress handler tests share: Alertmanager-shaped payloads, Function URL events,
 * and the ingress's real backends (dynalite for the dedup table, aws-sim for EventBridge and the
 * webhook secret), with the handler environment that points at them.
 */
export const ALERT_BUS = 'lakehouse-ops-test-alerts';
export const WEBHOOK_SECRET_ID = 'lakehouse/test/alertmanager-webhook';
export const WEBHOOK_CREDENTIALS = {
  token: 'test-token-3c1f0a9e7b2d',
  username: 'alertmanager',
  password: 'pass:word with colon',
};
export const BEARER = `Bearer ${WEBHOOK_CREDENTIALS.token}`;
export const BASIC = `Basic ${Buffer.from(`${WEBHOOK_CREDENTIALS.username}:${WEBHOOK_CREDENTIALS.password}`).toString('base64')}`;

export interface WebhookAlertOptions {
  fingerprint: string;
  alertname?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  labels?: Record<string, string>;
}

export function webhookAlert(options: WebhookAlertOptions): Record<string, unknown> {
  const status = options.status ?? 'firing';
  const alertname = options.alertname ?? 'PodCrashLooping';
  return {
    status,
    labels: {
      alertname,
      namespace: 'prefect',
      pod: `prefect-worker-${options.fingerprint}`,
      ...options.labels,
    },
    annotations: { summary: `${alertname} on ${options.fingerprint}` },
    startsAt: options.startsAt ?? '2026-11-26T01:00:00.123456789Z',
    endsAt: status === 'resolved' ? '2026-11-26T01:20:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=kube_pod_container_status_restarts_total',
    fingerprint: options.fingerprint,
  };
}

/** An Alertmanager webhook body (version 4) grouping `alerts`. */
export function webhookPayload(alerts: readonly Record<string, unknown>[]): Record<string, unknown> {
  const firing = alerts.some((alert) => alert.status === 'firing');
  return {
    version: '4',
    groupKey: '{}:{alertname="PodCrashLooping"}',
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'lakehouse-ops',
    groupLabels: { alertname: 'PodCrashLooping' },
    commonLabels: { alertname: 'PodCrashLooping', namespace: 'prefect' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

/** A 16-digit hex fingerprint, as Alertmanager writes them, for alert number `n`. */
export function fingerprint(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export interface FunctionUrlRequest {
  body?: string;
  authorization?: string;
  method?: string;
  isBase64Encoded?: boolean;
}

/** The Function URL event (payload format 2.0) of one webhook delivery. */
export function functionUrlEvent(request: FunctionUrlRequest): Record<string, unknown> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Alertmanager/0.25.0',
  };
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: request.method ?? 'POST', path: '/', sourceIp: '10.0.0.7' } },
    ...(request.body === undefined ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

export interface AlertIngressBackends {
  awsSim(): AwsSim;
  /** The handler environment (ops table, bus, secret, and the endpoints of dynalite and aws-sim). */
  environment(): Record<string, string>;
  /** Every dedup item in the ops table. */
  alertItems(): Promise<Record<string, string>[]>;
  /** The events put on the alert bus so far. */
  events(): readonly RecordedEvent[];
}

/** dynalite and aws-sim for the enclosing describe, seeded with the webhook secret and the bus. */
export function useAlertIngressBackends(): AlertIngressBackends {
  const dynamo = useLocalDynamoDb();
  const awsSim = useAwsSim(() => ({
    eventBuses: [ALERT_BUS],
    secrets: [{ name: WEBHOOK_SECRET_ID, value: WEBHOOK_CREDENTIALS }],
  }));
  return {
    awsSim,
    environment: () => ({
      OPS_TABLE_NAME: OPS_TABLE,
      ALERT_EVENT_BUS_NAME: ALERT_BUS,
      ALERT_WEBHOOK_SECRET_ID: WEBHOOK_SECRET_ID,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsSim().url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsSim().url,
    }),
    alertItems: async () => {
      const items = await scanAll(
        dynamo.client(),
        {
          TableName: OPS_TABLE,
          FilterExpression: 'begins_with(pk, :alert)',
          ExpressionAttributeValues: { ':alert': { S: 'ALERT#' } },
        },
        'dynamodb:Scan alerts',
      );
      return items.map((item) =>
        Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? value.N ?? ''])),
      );
    },
    events: () => awsSim().events.recorded.filter((event) => event.eventBusName === ALERT_BUS),
  };
}
