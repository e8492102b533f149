import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_ANNOTATION } from '../../../local/kube-sim/index.ts';
import { deployment, type SimClients, startWithClients, statefulSet } from './fixtures.ts';

type Series = { name: string; labels: Record<string, string>; value: number };

/** Parses the Prometheus text format (enough of it to read kube-state-metrics output). */
function parseExposition(text: string): { series: Series[]; types: Map<string, string> } {
  const series: Series[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const typeLine = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (typeLine) types.set(typeLine[1]!, typeLine[2]!);
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]),
    );
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { series, types };
}

describe('kube-sim /metrics', () => {
  let clients: SimClients;
  let scrape: () => Promise<{ series: Series[]; types: Map<string, string>; contentType: string | null }>;
  const find = (series: Series[], name: string, labels: Record<string, string>) =>
    series.filter(
      (entry) =>
        entry.name === name && Object.entries(labels).every(([key, value]) => entry.labels[key] === value),
    );

  beforeAll(async () => {
    clients = await startWithClients();
    scrape = async () => {
      const response = await fetch(`${clients.sim.url}/metrics`);
      return { ...parseExposition(await response.text()), contentType: response.headers.get('content-type') };
    };
    await clients.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('grafana', 2) });
    await clients.apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: statefulSet('prometheus', 2),
    });
    await clients.core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'oom', annotations: { [FAULT_ANNOTATION]: 'oom-killed' } },
        spec: { containers: [{ name: 'worker', image: 'busybox:1.36' }] },
      },
    });
    await clients.batch.createNamespacedJob({
      namespace: 'default',
      body: {
        metadata: { name: 'transfer' },
        spec: {
          backoffLimit: 1,
          template: {
            metadata: { annotations: { [FAULT_ANNOTATION]: 'fail' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 's5cmd', image: 'peakcom/s5cmd:v2.2.2' }] },
          },
        },
      },
    });
    clients.sim.setNodeUnschedulable('node-c', true);
    clients.sim.setNodeReady('node-b', false);
  });
  afterAll(() => clients.sim.stop());

  it('is served as Prometheus text format 0.0.4 with typed families', async () => {
    const { contentType, types } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(types.get('kube_pod_container_status_restarts_total')).toBe('counter');
    expect(types.get('kube_node_status_condition')).toBe('gauge');
  });

  it('exports node conditions and schedulability', async () => {
    const { series } = await scrape();
    expect(
      find(series, 'kube_node_status_condition', { node: 'node-b', condition: 'Ready', status: 'false' })[0]
        ?.value,
    ).toBe(1);
    expect(
      find(series, 'kube_node_status_condition', { node: 'node-a', condition: 'Ready', status: 'true' })[0]
        ?.value,
    ).toBe(1);
    expect(
      find(series, 'kube_node_status_condition', {
        node: 'node-a',
        condition: 'MemoryPressure',
        status: 'false',
      })[0]?.value,
    ).toBe(1);
    expect(find(series, 'kube_node_spec_unschedulable', { node: 'node-c' })[0]?.value).toBe(1);
    expect(find(series, 'kube_node_spec_unschedulable', { node: 'node-a' })[0]?.value).toBe(0);
  });

  it('exports workload replicas and job failures', async () => {
    const { series } = await scrape();
    expect(find(series, 'kube_deployment_spec_replicas', { deployment: 'grafana' })[0]?.value).toBe(2);
    const available = find(series, 'kube_deployment_status_replicas_available', { deployment: 'grafana' })[0]
      ?.value;
    const readyGrafanaPods = (
      await clients.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=grafana' })
    ).items.filter(
      (pod) => pod.status?.conditions?.find((entry) => entry.type === 'Ready')?.status === 'True',
    ).length;
    expect(available).toBe(readyGrafanaPods);
    expect(find(series, 'kube_statefulset_replicas', { statefulset: 'prometheus' })[0]?.value).toBe(2);
    expect(
      find(series, 'kube_statefulset_status_replicas_ready', { statefulset: 'prometheus' })[0]?.value,
    ).toBeLessThanOrEqual(2);
    expect(
      find(series, 'kube_job_status_failed', { namespace: 'default', job_name: 'transfer' })[0]?.value,
    ).toBe(2);
  });

  it('exports pod readiness, phase, restarts, waiting and last-terminated reasons, and resources', async () => {
    await clients.sim.tick(2);
    const { series } = await scrape();
    expect(find(series, 'kube_pod_status_phase', { pod: 'oom', phase: 'Running' })[0]?.value).toBe(1);
    expect(find(series, 'kube_pod_status_phase', { pod: 'oom', phase: 'Pending' })[0]?.value).toBe(0);
    expect(find(series, 'kube_pod_status_ready', { pod: 'oom', condition: 'false' })[0]?.value).toBe(1);
    expect(
      find(series, 'kube_pod_container_status_restarts_total', { pod: 'oom', container: 'worker' })[0]?.value,
    ).toBe(3);
    expect(
      find(series, 'kube_pod_container_status_waiting_reason', { pod: 'oom', reason: 'CrashLoopBackOff' })[0]
        ?.value,
    ).toBe(1);
    expect(
      find(series, 'kube_pod_container_status_last_terminated_reason', { pod: 'oom', reason: 'OOMKilled' })[0]
        ?.value,
    ).toBe(1);
    const grafanaPod = find(series, 'kube_pod_container_resource_requests', {
      resource: 'cpu',
      unit: 'core',
    }).find((entry) => entry.labels.pod?.startsWith('grafana-'));
    expect(grafanaPod?.value).toBe(0.1);
    const memoryLimit = find(series, 'kube_pod_container_resource_limits', {
      resource: 'memory',
      unit: 'byte',
    }).find((entry) => entry.labels.pod?.startsWith('grafana-'));
    expect(memoryLimit?.value).toBe(256 * 2 ** 20);
  });
});
