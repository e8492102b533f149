/**
 * How quickly the monitoring stack reacts. The manifests use production timing: an alert's `for`
 * and its lookback windows are sized for a 30 s scrape and for conditions that heal on their own
 * (a rollout, a restarting pod), and Alertmanager batches notifications. The e2e test runs a real
 * Prometheus at 1 s intervals against kube-sim and wants an alert within seconds and its
 * resolution as soon as the playbook fixed the cause: it generates the same rules and routes with
 * FAST_TIMING. Every duration in the rules and routes goes through one of these functions, so the
 * test exercises exactly the expressions that are deployed, only with shorter durations.
 */
export interface MonitoringTiming {
  /** An alert's `for`: how long the condition must hold before the alert fires. */
  pendingFor(production: string): string;
  /** A range selector's window (smoothing flapping states, counting counter increases). */
  window(production: string): string;
  /** Alertmanager's `group_wait`: how long a new group waits for more alerts before notifying. */
  groupWait(production: string): string;
  /** Alertmanager's `group_interval`: how long before a changed group (e.g. resolved) notifies again. */
  groupInterval(production: string): string;
}

export const PRODUCTION_TIMING: MonitoringTiming = {
  pendingFor: (production) => production,
  window: (production) => production,
  groupWait: (production) => production,
  groupInterval: (production) => production,
};

/**
 * For a Prometheus that scrapes and evaluates every second: alerts fire on their first evaluation,
 * a window holds about 20 samples (enough for increase() and for a pod's short Running phases
 * between CrashLoopBackOff waits) and forgets a healed state 20 s later, and notifications leave
 * at once. Never deployed: a `for` of 0 s pages on every blip.
 */
export const FAST_TIMING: MonitoringTiming = {
  pendingFor: () => '0s',
  window: () => '20s',
  groupWait: () => '0s',
  groupInterval: () => '1s',
};
