/**
 * Receipt-to-change benchmark (issue 4): the time from an Alertmanager delivery reaching the local
 * alert webhook to the first Kubernetes change the playbook makes, through everything in between as
 * it runs locally: the deployed alert-ingress handler (auth, dedup on dynalite, PutEvents to
 * aws-sim), the alert bus's rule, the synthesized remediate state machine on the local engine
 * (ResolveRemediation, AcquireTargetLease, SilenceAlert on a real Alertmanager,
 * CheckRemediationLimits, PreflightRemediation, RecordPreflight) and delete-pod's DELETE, whose
 * time kube-sim's audit log records.
 *
 * Each sample makes one Prefect worker pod crash-loop and delivers a PodCrashLooping alert about
 * it. The Prometheus and Alertmanager here carry no rules: a real alert about the same pod would
 * race the delivered one. The first delivery is a warm-up (it imports the handlers).
 *
 *   npx tsx bench/remediation/receipt-to-change.bench.ts   # ~1 min; writes bench/results/remediation-receipt-to-change.json
 *
 * BENCH_SAMPLES (default 9): with the warm-up, development's delete-pod limit of 10 per hour.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alertFingerprint, deliverAlerts } from '../../local/lakehouse/alert-delivery.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { crashLoopPrefectWorker } from '../../local/lakehouse/pod-faults.ts';
import { startLakehouseRemediationLoop } from '../../local/lakehouse/remediation-loop.ts';
import { summarizeRemediation } from '../../local/lakehouse/remediation-outcome.ts';
import { loadWorkflows } from '../../local/runner/workflows.ts';
import { startAlertmanager } from '../../local/system/alertmanager.ts';
import { ALERTMANAGER, ensureSystemBinaries, PROMETHEUS } from '../../local/system/debian-packages.ts';
import { startPrometheus } from '../../local/system/prometheus.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 9);
const TARGET_MS = 1000;
const RESULTS_FILE = fileURLToPath(new URL('../results/remediation-receipt-to-change.json', import.meta.url));

interface Sample {
  /** Delivery sent -> the ingress's 200. */
  readonly responseMs: number;
  /** Delivery sent -> kube-sim recorded the pod's DELETE. */
  readonly receiptToChangeMs: number;
}

async function firstDelete(lakehouse: LocalLakehouse, path: string, since: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const record = lakehouse.kube.audit.find(
      (entry) => entry.method === 'DELETE' && entry.path === path && Date.parse(entry.time) >= since,
    );
    if (record) return Date.parse(record.time);
    if (Date.now() > deadline) throw new Error(`no DELETE ${path} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  ensureSystemBinaries([PROMETHEUS, ALERTMANAGER]);
  const lakehouse = await startLocalLakehouse();
  const alertmanager = await startAlertmanager();
  const prometheus = await startPrometheus({ targets: [] });
  try {
    const workflows = await loadWorkflows({
      environment: 'development',
      localEnvironment: {
        ...lakehouse.environment,
        ALERTMANAGER_URL: alertmanager.url,
        PROMETHEUS_URL: prometheus.url,
      },
      taskTokens: lakehouse.taskTokens,
    });
    const loop = startLakehouseRemediationLoop(lakehouse, workflows);
    const samples: Sample[] = [];
    for (let index = 0; index <= SAMPLES; index += 1) {
      const pod = await crashLoopPrefectWorker(lakehouse.kube, lakehouse.layout);
      const { namespace = '', name = '' } = pod.metadata;
      const sent = Date.now();
      const delivery = await deliverAlerts(lakehouse.alertWebhook, [
        {
          alertname: 'PodCrashLooping',
          labels: { namespace, pod: name, severity: 'warning' },
          fingerprint: alertFingerprint(0xbe7c_0000 + index),
          startsAt: new Date().toISOString(),
        },
      ]);
      const responseMs = Date.now() - sent;
      if (delivery.status !== 200) throw new Error(`the webhook answered ${delivery.status}`);
      const changedAt = await firstDelete(lakehouse, `/api/v1/namespaces/${namespace}/pods/${name}`, sent);
      await loop.settled();
      const [remediation] = loop.remediations.slice(-1);
      const summary = summarizeRemediation(remediation!.executions[0]!);
      if (summary.status !== 'REMEDIATED')
        throw new Error(`sample ${index}: ${summary.status} ${summary.detail}`);
      const sample = { responseMs, receiptToChangeMs: changedAt - sent };
      process.stdout.write(`${index === 0 ? 'warm-up' : `sample ${index}`}: ${JSON.stringify(sample)}\n`);
      if (index > 0) samples.push(sample);
    }
    loop.stop();
    const changes = samples.map((sample) => sample.receiptToChangeMs);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      samples: samples.length,
      receiptToChangeMs: {
        p50: percentile(changes, 50),
        p90: percentile(changes, 90),
        max: Math.max(...changes),
      },
      responseMs: {
        p50: percentile(
          samples.map((sample) => sample.responseMs),
          50,
        ),
      },
      targetMs: TARGET_MS,
      met: percentile(changes, 90) < TARGET_MS,
      raw: samples,
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ ...result, raw: undefined }, null, 2)}\n`);
  } finally {
    await Promise.allSettled([prometheus.stop(), alertmanager.stop()]);
    await lakehouse.stop();
  }
}

await main();
