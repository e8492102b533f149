import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type ClusterEnvironment, loadClusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import { alertmanagerConfig } from '../../cluster-manifests/src/monitoring/alertmanager.ts';
import { platformAlertRules } from '../../cluster-manifests/src/monitoring/rules.ts';
import { SCRAPE_JOBS } from '../../cluster-manifests/src/monitoring/scrape-jobs.ts';
import { FAST_TIMING, type MonitoringTiming } from '../../cluster-manifests/src/monitoring/timing.ts';
import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import { type RunningAlertmanager, startAlertmanager } from '../system/alertmanager.ts';
import { ALERTMANAGER, missingBinaries, PROMETHEUS, type SystemBinary } from '../system/debian-packages.ts';
import { type RunningPrometheus, startPrometheus } from '../system/prometheus.ts';

/**
 * The platform's monitoring, locally: a real Prometheus (Debian's binary) scraping kube-sim as the
 * cluster's kube-state-metrics (same job name, honor_labels, as cluster-manifests configures it)
 * and evaluating the platform's alert rules from cluster-manifests, and a real Alertmanager with
 * the platform's configuration, whose webhook delivers to the local alert ingress with the bearer
 * token read from a credentials file, as the cluster's Alertmanager does. Rules and routes use
 * FAST_TIMING (1 s scrapes, alerts on their first evaluation) so that a fault reaches the webhook
 * within seconds; everything else is the deployed text.
 */
export interface LakehouseMonitoringOptions {
  /** kube-sim's URL: its /metrics is the kube-state-metrics target. */
  readonly kubernetesUrl: string;
  /** The environment the rules are generated for (its layout must be the lakehouse's). */
  readonly cluster: ClusterEnvironment;
  /** Where Alertmanager delivers (the local alert ingress) and the bearer token it sends. */
  readonly webhook: { readonly url: string; readonly token: string };
  readonly timing?: MonitoringTiming;
}

export interface LakehouseMonitoring {
  /** ALERTMANAGER_URL for silence-alert / expire-silence. */
  readonly alertmanagerUrl: string;
  /** PROMETHEUS_URL for verify-alert-cleared. */
  readonly prometheusUrl: string;
  readonly prometheus: RunningPrometheus;
  readonly alertmanager: RunningAlertmanager;
  stop(): Promise<void>;
}

/** What the local monitoring runs on; the lakehouse starts it only when these are installed. */
export const MONITORING_BINARIES: readonly SystemBinary[] = [PROMETHEUS, ALERTMANAGER];

/** The binaries this machine lacks for local monitoring (none: it can run). */
export function missingMonitoringBinaries(): SystemBinary[] {
  return missingBinaries([...MONITORING_BINARIES]);
}

const TOKEN_FILE = 'webhook-token';

/**
 * The rules' environment for a local lakehouse: development's (the smallest profile), with the
 * lakehouse's own cluster name and layout, so the rules look in the namespaces it seeded.
 */
export function lakehouseClusterEnvironment(clusterName: string, layout: PlatformLayout): ClusterEnvironment {
  return { ...loadClusterEnvironment('development'), clusterName, layout };
}

export async function startLakehouseMonitoring(
  options: LakehouseMonitoringOptions,
): Promise<LakehouseMonitoring> {
  const timing = options.timing ?? FAST_TIMING;
  const alertmanager = await startAlertmanager({
    config: alertmanagerConfig({
      webhookUrl: options.webhook.url,
      credentialsFile: `{{dir}}/${TOKEN_FILE}`,
      timing,
    }),
    files: { [TOKEN_FILE]: options.webhook.token },
  });
  const rulesDirectory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-rules-'));
  const stopRules = () => rm(rulesDirectory, { recursive: true, force: true });
  let prometheus: RunningPrometheus;
  try {
    const rulesFile = join(rulesDirectory, 'platform-rules.yaml');
    await writeFile(rulesFile, stringify(platformAlertRules(options.cluster, timing)));
    prometheus = await startPrometheus({
      targets: [
        {
          job: SCRAPE_JOBS.kubeStateMetrics,
          address: new URL(options.kubernetesUrl).host,
          honorLabels: true,
        },
      ],
      ruleFiles: [rulesFile],
      alertmanagerAddress: alertmanager.address,
    });
  } catch (error) {
    await Promise.allSettled([alertmanager.stop(), stopRules()]);
    throw error;
  }
  return {
    alertmanagerUrl: alertmanager.url,
    prometheusUrl: prometheus.url,
    prometheus,
    alertmanager,
    stop: async () => {
      const results = await Promise.allSettled([prometheus.stop(), alertmanager.stop(), stopRules()]);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
  };
}

/**
 * Waits until Prometheus no longer has the alert `alertname` with these labels pending or firing
 * (its ALERTS series is gone); false when it still has after `timeoutMs`.
 */
export async function alertInactive(
  prometheus: Pick<RunningPrometheus, 'query'>,
  alertname: string,
  labels: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<boolean> {
  const matchers = Object.entries({ alertname, ...labels }).map(
    ([name, value]) => `${name}=${JSON.stringify(value)}`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await prometheus.query(`ALERTS{${matchers.join(',')}}`)).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
