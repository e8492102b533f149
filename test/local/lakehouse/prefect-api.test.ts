import { afterEach, describe, expect, it } from 'vitest';
import { prefectWorkPoolSource } from '../../../functions/core/cost/rightsizing/prefect-work-pools.ts';
import { createPrefectApi } from '../../../functions/core/validation/prefect-api.ts';
import {
  type PrefectApiStandIn,
  type PrefectWorkPool,
  startPrefectApiStandIn,
} from '../../../local/lakehouse/prefect-api.ts';
import { prefectWorkPoolOf, type SyntheticWorkload } from '../../../local/lakehouse/usage-history.ts';

describe('Prefect API stand-in', () => {
  let prefect: PrefectApiStandIn | undefined;
  afterEach(async () => {
    await prefect?.stop();
    prefect = undefined;
  });
  const start = async (workerConcurrency: number, runDurationMs = 100) => {
    prefect = await startPrefectApiStandIn({
      deployments: [{ flowName: 'smoke', deploymentName: 'burst', runDurationMs }],
      workerConcurrency,
    });
    return { stand: prefect, api: createPrefectApi({ baseUrl: prefect.url }) };
  };
  const waitUntil = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('answers health, flows and deployment lookups in Prefect shapes, 404 for an unknown deployment', async () => {
    const { api } = await start(1);

    await expect(api.health()).resolves.toBeUndefined();
    expect(await api.filterFlows(5)).toEqual([expect.objectContaining({ name: 'smoke' })]);
    expect(await api.readDeploymentByName('smoke', 'burst')).toMatchObject({ name: 'burst' });
    expect(await api.readDeploymentByName('smoke', 'nope')).toBeUndefined();
  });

  it('runs no more flow runs at once than the worker concurrency, oldest first', async () => {
    const { stand, api } = await start(2);
    const deployment = await api.readDeploymentByName('smoke', 'burst');
    const runs = [];
    for (const name of ['a', 'b', 'c'])
      runs.push(await api.createFlowRun(deployment?.id ?? '', { name, tags: [] }));

    await waitUntil(() => stand.flowRuns().some((run) => run.state_type === 'RUNNING'));
    expect(stand.flowRuns().map((run) => run.state_type)).toEqual(['RUNNING', 'RUNNING', 'SCHEDULED']);
    await waitUntil(() => stand.flowRuns().every((run) => run.state_type === 'COMPLETED'));
    const [first, , third] = await api.readFlowRuns(runs.map((run) => run.id));
    expect(Date.parse(third?.start_time ?? '')).toBeGreaterThanOrEqual(Date.parse(first?.end_time ?? ''));
  });

  it('cancels a scheduled run through set_state and leaves it alone afterwards', async () => {
    const { stand, api } = await start(1);
    const resume = stand.pauseWorker();
    const deployment = await api.readDeploymentByName('smoke', 'burst');
    const run = await api.createFlowRun(deployment?.id ?? '', { name: 'x', tags: [] });

    await api.setFlowRunState(run.id, 'CANCELLED', 'test');
    await resume();
    await new Promise((resolve) => setTimeout(resolve, 150));

    expect((await api.readFlowRuns([run.id]))[0]?.state_type).toBe('CANCELLED');
  });

  it('delays every answer while slowResponses is in force', async () => {
    const { stand, api } = await start(1);
    const restore = stand.slowResponses(120);

    const started = performance.now();
    await api.health();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    await restore();
  });

  it('serves the work pools it holds to right-sizing, by type, until they are removed', async () => {
    const { stand } = await start(1);
    const source = prefectWorkPoolSource({ apiUrl: stand.url, defaultNamespace: 'prefect' });
    const pool = (name: string) => prefectWorkPoolOf(poolWorkload(name)) as unknown as PrefectWorkPool;
    const remove = stand.addWorkPools([pool('nightly'), { name: 'local-processes', type: 'process' }]);

    const { workloads } = await source.discover([]);
    expect(workloads).toEqual([
      expect.objectContaining({ namespace: 'analytics', kind: 'PrefectWorkPool', name: 'nightly' }),
    ]);
    expect(workloads[0]?.containers[0]?.current.requests).toEqual({
      cpuCores: 0.5,
      memoryBytes: 256 * 2 ** 20,
    });
    expect(() => stand.addWorkPools([pool('nightly')])).toThrow('work pool nightly exists already');
    await remove();
    expect((await source.discover([])).workloads).toEqual([]);
  });
});

function poolWorkload(name: string): SyntheticWorkload {
  const memory = { diurnalAmplitude: 0, noise: 0, growthPerDay: 0, spikeChance: 0, spikeFactor: 1 };
  return {
    namespace: 'analytics',
    kind: 'PrefectWorkPool',
    name,
    replicas: 1,
    pool: 'compute',
    schedule: { everyMinutes: 60, durationMinutes: 10 },
    containers: [
      {
        name: 'prefect-job',
        current: {
          requests: { cpuCores: 0.5, memoryBytes: 256 * 2 ** 20 },
          limits: { memoryBytes: 512 * 2 ** 20 },
        },
        cpu: { baseCores: 0.1, diurnalAmplitude: 0, noise: 0, spikeChance: 0, spikeFactor: 1 },
        memory: { baseBytes: 100 * 2 ** 20, ...memory },
      },
    ],
  };
}
