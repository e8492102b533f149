import { rightsizingRecordingRules } from '../../../functions/core/cost/rightsizing/usage-queries.ts';
import type { ClusterEnvironment } from '../environments.ts';
import { alertingRule, type PlatformAlert } from './alert-rule.ts';
import { kubernetesAlerts } from './kubernetes-alerts.ts';
import { minioAlerts } from './minio-alerts.ts';
import { prefectAlerts } from './prefect-alerts.ts';
import { type MonitoringTiming, PRODUCTION_TIMING } from './timing.ts';

/**
 * The platform's alerts, by rule group. Each names its target in its labels the way the
 * remediation workflow reads it (docs/remediation.md, "The target"); which playbook answers an
 * alert is configuration (infra/config remediation routes), not a label.
 */
export function platformAlerts(
  environment: ClusterEnvironment,
  timing: MonitoringTiming = PRODUCTION_TIMING,
): Record<string, PlatformAlert[]> {
  return {
    'lakehouse-kubernetes': kubernetesAlerts(environment, timing),
    'lakehouse-minio': minioAlerts(environment, timing),
    'lakehouse-prefect': prefectAlerts(environment, timing),
  };
}

/** The rule file Prometheus loads (the ConfigMap `prometheus-rules`); the e2e test passes FAST_TIMING. */
export function platformAlertRules(
  environment: ClusterEnvironment,
  timing: MonitoringTiming = PRODUCTION_TIMING,
): Record<string, unknown> {
  return {
    groups: [
      ...Object.entries(platformAlerts(environment, timing)).map(([name, alerts]) => ({
        name,
        rules: alerts.map(alertingRule),
      })),
      // Right-sizing reads one series per workload container (functions/core/cost/rightsizing),
      // recorded here every 5 minutes, instead of every pod's series over 14 days.
      rightsizingRecordingRules(),
    ],
  };
}
