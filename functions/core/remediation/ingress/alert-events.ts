import { type AlertEvent, type AlertSource, DEFAULT_SEVERITY } from '../alert-event.ts';
import {
  type AlertGroup,
  type AlertGroupFormat,
  type GroupAlert,
  InvalidAlertPayloadError,
  parseAlertGroup,
} from './alert-group.ts';
import { MAX_REQUEST_BYTES, oversizedEvents } from './alert-publisher.ts';

/** How a group reached the ingress: which path, and when. */
export interface Delivery {
  source: AlertSource;
  receivedAt: Date;
}

export interface DeliveredAlerts {
  events: AlertEvent[];
  /** Alerts of the group the sender left out (Alertmanager's max_alerts): never seen here. */
  truncatedAlerts: number;
}

/**
 * Everything the ingress checks before it touches the table or the bus: the body parses, and each
 * alert's event fits in a PutEvents request (an event that cannot fit would fail every retry).
 * Throws InvalidAlertPayloadError naming each problem.
 */
export function deliveredAlerts(body: string, format: AlertGroupFormat, delivery: Delivery): DeliveredAlerts {
  const group = parseAlertGroup(body, format);
  const events = alertEventsOf(group, delivery);
  const oversized = oversizedEvents(events);
  if (oversized.length > 0) {
    throw new InvalidAlertPayloadError('some alerts are too large for an EventBridge event', {
      problems: oversized.map(
        ({ index, bytes }) =>
          `alerts[${index}]: its event would be ${bytes} bytes, above EventBridge's ${MAX_REQUEST_BYTES}-byte limit (shorten its annotations)`,
      ),
    });
  }
  return { events, truncatedAlerts: group.truncatedAlerts };
}

/**
 * Splits a group into one event per alert. Remediation acts per alert (one target each), and the
 * dedup key is per alert, so an alert that joins a group later is not hidden by its siblings.
 */
export function alertEventsOf(group: AlertGroup, delivery: Delivery): AlertEvent[] {
  return group.alerts.map((alert) => alertEventOf(group, alert, delivery));
}

function alertEventOf(group: AlertGroup, alert: GroupAlert, delivery: Delivery): AlertEvent {
  return {
    alertname: alert.labels.alertname,
    // Prometheus treats an empty label as no label.
    severity: alert.labels.severity || DEFAULT_SEVERITY,
    status: alert.status,
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
    receiver: group.receiver,
    ...(group.externalURL === undefined ? {} : { externalURL: group.externalURL }),
    ...(group.groupKey === undefined ? {} : { groupKey: group.groupKey }),
    source: delivery.source,
    receivedAt: delivery.receivedAt.toISOString(),
  };
}
