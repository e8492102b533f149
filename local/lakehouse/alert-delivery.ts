import type { LocalAlertWebhook } from './index.ts';

/**
 * Deliveries to the local alert webhook in Alertmanager's own shape (webhook payload version 4,
 * one group per delivery, bearer token as http_config.authorization sends it), for the drill's
 * alert storm and the benchmarks, where a real Alertmanager would not send the same group
 * thousands of times on demand.
 */
export interface AlertSpec {
  readonly alertname: string;
  readonly labels: Readonly<Record<string, string>>;
  /** 16 hex digits, as Alertmanager writes a label set's fingerprint. */
  readonly fingerprint: string;
  readonly startsAt: string;
  readonly status?: 'firing' | 'resolved';
  readonly summary?: string;
}

export interface DeliveryResult {
  readonly status: number;
  /** The ingress's answer: `{ alerts, published, duplicates }` when accepted. */
  readonly body: { alerts?: number; published?: number; duplicates?: number; error?: string };
}

export function alertGroupPayload(alerts: readonly AlertSpec[]): Record<string, unknown> {
  const [first] = alerts;
  const groupLabels = { alertname: first?.alertname ?? '' };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname)}}`,
    truncatedAlerts: 0,
    status: alerts.some((alert) => (alert.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'lakehouse-ops',
    groupLabels,
    commonLabels: groupLabels,
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: alerts.map((alert) => ({
      status: alert.status ?? 'firing',
      labels: { alertname: alert.alertname, ...alert.labels },
      annotations: { summary: alert.summary ?? `${alert.alertname} (delivered by lakehouse-ops)` },
      startsAt: alert.startsAt,
      endsAt: alert.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: alert.fingerprint,
    })),
  };
}

export async function deliverAlerts(
  webhook: Pick<LocalAlertWebhook, 'url' | 'token'>,
  alerts: readonly AlertSpec[],
): Promise<DeliveryResult> {
  const response = await fetch(webhook.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${webhook.token}`,
      'user-agent': 'Alertmanager/0.25.0',
    },
    body: JSON.stringify(alertGroupPayload(alerts)),
  });
  const text = await response.text();
  let body: DeliveryResult['body'];
  try {
    body = JSON.parse(text) as DeliveryResult['body'];
  } catch {
    body = { error: text };
  }
  return { status: response.status, body };
}

/** A 16-digit hex fingerprint for alert number `n`. */
export function alertFingerprint(n: number): string {
  return n.toString(16).padStart(16, '0');
}
