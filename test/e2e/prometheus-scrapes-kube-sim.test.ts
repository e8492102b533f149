import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../../local/kube-sim/index.ts';
import { type RunningPrometheus, startPrometheus } from '../../local/system/prometheus.ts';

/** Polls a PromQL expression until `accept` holds; Prometheus scrapes every second here. */
async function eventually(
  prometheus: RunningPrometheus,
  expression: string,
  accept: (values: number[]) => boolean,
  deadlineMs = 20_000,
): Promise<number[]> {
  const deadline = Date.now() + deadlineMs;
  let values: number[] = [];
  while (Date.now() < deadline) {
    values = (await prometheus.query(expression)).map((sample) => Number(sample.value[1]));
    if (accept(values)) return values;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${expression} never satisfied the expectation; last values ${JSON.stringify(values)}`);
}

describe('kube-sim /metrics scraped by a real Prometheus', () => {
  let sim: KubeSim;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    sim = await startKubeSim({
      nodes: [
        { name: 'system-a', nodeGroup: 'system' },
        { name: 'system-b', nodeGroup: 'system' },
      ],
    });
    const address = new URL(sim.url).host;
    prometheus = await startPrometheus({ targets: [{ job: 'kube-state-metrics', address }] });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await sim?.stop();
  });

  it('sees every node Ready, then a node going NotReady', async () => {
    const readyExpression = 'sum(kube_node_status_condition{condition="Ready",status="true"})';
    await eventually(prometheus, readyExpression, ([ready]) => ready === 2);

    sim.setNodeReady('system-b', false);
    await sim.settle();

    const notReady = await eventually(
      prometheus,
      'kube_node_status_condition{condition="Ready",status="false"} == 1',
      (values) => values.length === 1,
    );
    expect(notReady).toEqual([1]);
    const [target] = await prometheus.query('up{job="kube-state-metrics"}');
    expect(target?.value[1]).toBe('1');
  });
});
