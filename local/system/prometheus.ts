/**
 * A real Prometheus (the Debian binary) as a plain process on loopback, for the drill and the e2e
 * tests. Short scrape and evaluation intervals make a metric change visible within about a second.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.ts';
import { startLoopbackProcess } from './loopback-process.ts';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
  /** The exposed labels win over the target's (kube-state-metrics' series name other pods). */
  honorLabels?: boolean;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  scrapeInterval?: string;
  ruleFiles?: string[];
  alertmanagerAddress?: string;
}

export interface RunningPrometheus {
  url: string;
  query(expression: string): Promise<PrometheusVector>;
  stop(): Promise<void>;
}

export type PrometheusVector = { metric: Record<string, string>; value: [number, string] }[];

function configFor(options: PrometheusOptions): string {
  const interval = options.scrapeInterval ?? '1s';
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    alerting: options.alertmanagerAddress
      ? { alertmanagers: [{ static_configs: [{ targets: [options.alertmanagerAddress] }] }] }
      : undefined,
    scrape_configs: options.targets.map((target) => ({
      job_name: target.job,
      metrics_path: target.metricsPath ?? '/metrics',
      ...(target.honorLabels ? { honor_labels: true } : {}),
      static_configs: [{ targets: [target.address] }],
    })),
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-prometheus-'));
  const configFile = join(directory, 'prometheus.yml');
  await writeFile(configFile, configFor(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startLoopbackProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    `${url}/-/ready`,
    directory,
  );

  const query = async (expression: string): Promise<PrometheusVector> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: PrometheusVector };
    };
    if (body.status !== 'success') throw new Error(`query ${expression} failed: ${body.error}`);
    return body.data?.result ?? [];
  };

  return { url, query, stop };
}
