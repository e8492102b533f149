/**
 * An alert of the platform, as this folder writes it: what it is about (its target) is declared
 * beside the expression, so a test can hold the labels the expression yields against the
 * remediation contract (docs/remediation.md, "The target").
 */

/**
 * The label sets that name a target, in the contract's order of precedence: the first whose key
 * label an alert carries decides the target, so a pod alert must never carry `node` (it would be
 * about the Node). `workload` names a Deployment or StatefulSet by `workload_kind`.
 */
export const ALERT_TARGET_LABELS = {
  node: ['node'],
  persistentvolumeclaim: ['namespace', 'persistentvolumeclaim'],
  pod: ['namespace', 'pod'],
  deployment: ['namespace', 'deployment'],
  statefulset: ['namespace', 'statefulset'],
  workload: ['namespace', 'workload', 'workload_kind'],
} as const satisfies Record<string, readonly string[]>;

export type AlertTarget = keyof typeof ALERT_TARGET_LABELS;

/** Alertmanager routes on it: critical and warning start remediation, info only notifies. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/**
 * The label that names the node a pod alert's pod runs on. Not `node`: that would make the Node
 * the alert's target. NodeNotReady carries it too, so Alertmanager can inhibit the alerts of pods
 * on a node that is down (`equal` compares one label name on both sides).
 */
export const HOST_LABEL = 'host';

export interface PlatformAlert {
  readonly alert: string;
  readonly severity: AlertSeverity;
  readonly target: AlertTarget;
  /** Must yield the target's labels (ALERT_TARGET_LABELS) on every series, and no label that outranks them. */
  readonly expr: string;
  /** Already passed through the environment's MonitoringTiming. */
  readonly for: string;
  /** Labels the expression cannot yield (a static target such as the MinIO StatefulSet). */
  readonly labels?: Readonly<Record<string, string>>;
  /** One line for the notification; Prometheus templates (`{{ $labels.pod }}`, `{{ $value }}`). */
  readonly summary: string;
}

/** The Prometheus rule (rule-file syntax) of one alert. */
export function alertingRule(alert: PlatformAlert): Record<string, unknown> {
  return {
    alert: alert.alert,
    expr: alert.expr,
    for: alert.for,
    labels: { ...alert.labels, severity: alert.severity },
    annotations: { summary: alert.summary },
  };
}
