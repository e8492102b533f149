import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/**
 * The EventBridge event that alert ingress publishes for each alert of a delivered group, and
 * that the remediation rules match (docs/remediation.md, "The alert event"). One schema, so the
 * publisher and every consumer (the remediate workflow's input, the local runner's routing) agree
 * on the detail's shape.
 */
export const ALERT_EVENT_SOURCE = 'lakehouse-ops.alerts';
export const ALERT_EVENT_DETAIL_TYPE = 'Prometheus Alert';

/** Where the alert came from: Alertmanager's webhook, or Amazon Managed Prometheus through SNS. */
export const ALERT_SOURCES = ['alertmanager', 'amp-sns'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** `severity` of an alert without a `severity` label: notify only, never remediate. */
export const DEFAULT_SEVERITY = 'info';

export const alertStatusSchema = z.enum(['firing', 'resolved']);
export type AlertStatus = z.output<typeof alertStatusSchema>;

/** Prometheus labels and annotations: string to string. */
export const labelSetSchema = z.record(z.string(), z.string());
export type LabelSet = z.output<typeof labelSetSchema>;

/**
 * RFC 3339 with any fraction and an offset, as Alertmanager writes Go's `time.Time` in JSON
 * (`2026-11-26T01:00:00.123456789+01:00`; `0001-01-01T00:00:00Z` for "no end yet").
 */
export function rfc3339Time() {
  return z.iso.datetime({ offset: true });
}

export const alertEventSchema = z.object({
  alertname: nonEmptyString(),
  /** The `severity` label, or `info` when the alert has none. */
  severity: nonEmptyString(),
  status: alertStatusSchema,
  /** Alertmanager's fingerprint of the label set (hex). With startsAt and status, the dedup key. */
  fingerprint: nonEmptyString(),
  startsAt: rfc3339Time(),
  endsAt: rfc3339Time(),
  labels: labelSetSchema,
  annotations: labelSetSchema,
  generatorURL: z.string(),
  receiver: z.string(),
  /** Absent when the sender does not say (AMP's SNS JSON template may leave it out). */
  externalURL: z.optional(z.string()),
  /** Alertmanager's group key; absent from AMP's SNS messages, which carry none. */
  groupKey: z.optional(z.string()),
  source: z.enum(ALERT_SOURCES),
  /** When the ingress received the delivery (UTC, milliseconds). */
  receivedAt: z.iso.datetime(),
});
export type AlertEvent = z.output<typeof alertEventSchema>;
