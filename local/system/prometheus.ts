/**
 * A real Prometheus (the Debian binary) as a plain process on loopback, for the drill and the e2e
 * tests. Short scrape and evaluation intervals make a metric change visible within about a second.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.ts';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
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

const READY_TIMEOUT_MS = 15_000;

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
      static_configs: [{ targets: [target.address] }],
    })),
  });
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready after ${READY_TIMEOUT_MS} ms: ${output()}`);
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-prometheus-'));
  const configFile = join(directory, 'prometheus.yml');
  await writeFile(configFile, configFor(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }

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
