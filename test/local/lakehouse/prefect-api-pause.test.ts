import { afterEach, describe, expect, it } from 'vitest';
import { createPrefectApi } from '../../../functions/core/validation/prefect-api.ts';
import { type PrefectApiStandIn, startPrefectApiStandIn } from '../../../local/lakehouse/prefect-api.ts';

describe('Prefect API stand-in: pausing work pools and deployment schedules', () => {
  let stand: PrefectApiStandIn | undefined;
  afterEach(async () => {
    await stand?.stop();
    stand = undefined;
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stand?.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  it("holds a paused pool's runs until it is resumed, answering PATCH with 204 as Prefect does", async () => {
    stand = await startPrefectApiStandIn({
      deployments: [
        { flowName: 'ingest', deploymentName: 'hourly', runDurationMs: 20, workPoolName: 'default' },
      ],
    });
    stand.addWorkPools([{ name: 'default', type: 'kubernetes' }]);
    expect(await call('PATCH', '/work_pools/default', { is_paused: true })).toEqual({
      status: 204,
      body: undefined,
    });
    expect((await call('POST', '/work_pools/filter', {})).body).toEqual([
      { name: 'default', type: 'kubernetes', is_paused: true },
    ]);
    const api = createPrefectApi({ baseUrl: stand.url });
    const deployment = await api.readDeploymentByName('ingest', 'hourly');
    const run = await api.createFlowRun(deployment?.id ?? '', { name: 'held', tags: [] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await api.readFlowRuns([run.id]))[0]?.state_type).toBe('SCHEDULED');

    await call('PATCH', '/work_pools/default', { is_paused: false });
    await expect.poll(async () => (await api.readFlowRuns([run.id]))[0]?.state_type).toBe('COMPLETED');
  });

  it("lists deployments with their schedules and sets one schedule's active flag; unknown ones are 404, bad bodies 422", async () => {
    stand = await startPrefectApiStandIn({
      deployments: [
        {
          flowName: 'ingest',
          deploymentName: 'hourly',
          runDurationMs: 20,
          schedules: [{ cron: '0 * * * *' }, { cron: '30 * * * *', active: false }],
        },
      ],
    });
    const [deployment] = (await call('POST', '/deployments/filter', { offset: 0, limit: 10 })).body as {
      id: string;
      schedules: { id: string; active: boolean; schedule: { cron: string } }[];
    }[];
    expect(deployment?.schedules.map((schedule) => [schedule.schedule.cron, schedule.active])).toEqual([
      ['0 * * * *', true],
      ['30 * * * *', false],
    ]);
    const scheduleId = deployment?.schedules[0]?.id;
    expect(
      (await call('PATCH', `/deployments/${deployment?.id}/schedules/${scheduleId}`, { active: false }))
        .status,
    ).toBe(204);
    const schedules = (await call('GET', `/deployments/${deployment?.id}/schedules`)).body as {
      active: boolean;
    }[];
    expect(schedules.map((schedule) => schedule.active)).toEqual([false, false]);

    expect(
      (await call('PATCH', `/deployments/${deployment?.id}/schedules/nope`, { active: true })).status,
    ).toBe(404);
    expect(
      (await call('PATCH', `/deployments/${deployment?.id}/schedules/${scheduleId}`, { active: 'yes' }))
        .status,
    ).toBe(422);
    expect((await call('PATCH', '/work_pools/nope', { is_paused: true })).status).toBe(404);
  });
});
