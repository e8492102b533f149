import type { ClusterEnvironment } from '../environments.ts';
import { platformIdentities } from '../identities.ts';
import { PREFECT_WORK_POOL } from '../prefect.ts';
import type { PlatformAlert } from './alert-rule.ts';
import { atLeastRegex } from './promql.ts';
import type { MonitoringTiming } from './timing.ts';

/** Late flow runs in a work queue before the workers are scaled up (scale-prefect-workers). */
export const PREFECT_BACKLOG_LATE_RUNS = 5;

/**
 * Prefect's server exports no metrics of its own; these come from PrefectHQ's
 * prometheus-prefect-exporter (github.com/PrefectHQ/prometheus-prefect-exporter, scraped through
 * the usual prometheus.io annotations in the Prefect namespace). It publishes a work queue's late
 * runs only as the label `late_runs_count` of `prefect_info_work_queues` (value 1, or 0 while the
 * queue is paused), hence the regex over the label. The target is the worker Deployment that
 * serves the pool.
 */
export function prefectAlerts(environment: ClusterEnvironment, timing: MonitoringTiming): PlatformAlert[] {
  const { namespace } = environment.layout.prefect;
  return [
    {
      alert: 'PrefectWorkQueueBacklog',
      severity: 'warning',
      target: 'deployment',
      expr: `max by (work_pool_name) (prefect_info_work_queues{work_pool_name="${PREFECT_WORK_POOL}", late_runs_count=~"${atLeastRegex(PREFECT_BACKLOG_LATE_RUNS)}"}) == 1`,
      for: timing.pendingFor('10m'),
      labels: { namespace, deployment: platformIdentities(environment).prefectWorker.instance },
      summary: `work pool {{ $labels.work_pool_name }} has a queue with ${PREFECT_BACKLOG_LATE_RUNS} or more late flow runs`,
    },
  ];
}
