import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../functions/commons/errors.ts';
import { readFenceRecord } from '../../../../../functions/core/dr/fence/fence-store.ts';
import type { FenceKey } from '../../../../../functions/core/dr/fence/outcome.ts';
import {
  type PrefectControl,
  prefectControl,
} from '../../../../../functions/core/dr/fence/prefect-control.ts';
import {
  fencePrefect,
  liftPrefect,
  savedPrefectSchema,
} from '../../../../../functions/core/dr/fence/prefect-step.ts';
import {
  type PrefectApiStandIn,
  startPrefectApiStandIn,
} from '../../../../../local/lakehouse/prefect-api.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';

describe('fence step prefect (Prefect API stand-in, dynalite)', () => {
  const dynamo = useLocalDynamoDb();
  let stand: PrefectApiStandIn | undefined;
  let failover = 0;
  afterEach(async () => {
    await stand?.stop();
    stand = undefined;
  });

  async function start() {
    failover += 1;
    stand = await startPrefectApiStandIn({
      deployments: [
        {
          flowName: 'ingest',
          deploymentName: 'hourly',
          runDurationMs: 50,
          workPoolName: 'default',
          schedules: [{ cron: '0 * * * *' }, { cron: '30 * * * *', active: false }],
        },
        {
          flowName: 'compact',
          deploymentName: 'nightly',
          runDurationMs: 50,
          workPoolName: 'default',
          schedules: [{ cron: '0 3 * * *' }],
        },
      ],
    });
    stand.addWorkPools([
      { name: 'default', type: 'kubernetes' },
      { name: 'spot', type: 'kubernetes' },
      { name: 'retired', type: 'kubernetes', is_paused: true },
    ]);
    const key: FenceKey = {
      environment: 'prefect-fence',
      failoverId: `20260301T02000${failover}Z-a1b2c3`,
      side: 'primary',
    };
    return { key, prefect: prefectControl({ baseUrl: stand.url, probeTimeoutMs: 1_000 }) };
  }
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE });
  async function flags(prefect: PrefectControl) {
    const pools = Object.fromEntries((await prefect.workPools()).map((pool) => [pool.name, pool.isPaused]));
    const schedules = (await prefect.deployments()).flatMap((deployment) =>
      deployment.schedules.map((schedule) => `${deployment.name}:${schedule.active}`),
    );
    return { pools, schedules: schedules.sort() };
  }

  it('pauses every work pool and active schedule, and the lift restores exactly the flags that were there', async () => {
    const { key, prefect } = await start();
    const before = await flags(prefect);
    expect(before).toEqual({
      pools: { default: false, spot: false, retired: true },
      schedules: ['hourly:false', 'hourly:true', 'nightly:true'],
    });

    const fenced = await fencePrefect(key, { prefect, table: table() });

    expect(fenced).toMatchObject({ status: 'fenced', saved: 4 });
    expect(await flags(prefect)).toEqual({
      pools: { default: true, spot: true, retired: true },
      schedules: ['hourly:false', 'hourly:false', 'nightly:false'],
    });

    const lifted = await liftPrefect(key, { prefect, table: table() });

    expect(lifted.status).toBe('lifted');
    expect(await flags(prefect)).toEqual(before);
    expect((await readFenceRecord(table(), key, 'prefect', savedPrefectSchema))?.phase).toBe('lifted');
  });

  it('keeps the real flags when re-run after a failure half-way through the pauses', async () => {
    const { key, prefect } = await start();
    let calls = 0;
    const failing: PrefectControl = {
      ...prefect,
      async setScheduleActive(...args) {
        calls += 1;
        if (calls === 2) throw new TransientError('Prefect API PATCH answered 503', {});
        return prefect.setScheduleActive(...args);
      },
    };
    await expect(fencePrefect(key, { prefect: failing, table: table() })).rejects.toThrow(TransientError);
    expect((await flags(prefect)).pools).toEqual({ default: true, spot: true, retired: true });

    const rerun = await fencePrefect(key, { prefect, table: table() });

    expect(rerun.changes).toHaveLength(1);
    const saved = await readFenceRecord(table(), key, 'prefect', savedPrefectSchema);
    expect(saved?.original.workPools).toEqual([
      { name: 'default', isPaused: false },
      { name: 'spot', isPaused: false },
    ]);
    expect(saved?.original.schedules.every((schedule) => schedule.active)).toBe(true);
    await liftPrefect(key, { prefect, table: table() });
    expect(await flags(prefect)).toEqual({
      pools: { default: false, spot: false, retired: true },
      schedules: ['hourly:false', 'hourly:true', 'nightly:true'],
    });
  });

  it('reports an unreachable Prefect API without saving or changing anything', async () => {
    const { key } = await start();
    const lost = prefectControl({ baseUrl: 'http://127.0.0.1:9/api', probeTimeoutMs: 500 });

    const result = await fencePrefect(key, { prefect: lost, table: table() });

    expect(result).toMatchObject({ status: 'unreachable', saved: 0 });
    expect(await readFenceRecord(table(), key, 'prefect', savedPrefectSchema)).toBeUndefined();
    expect((await liftPrefect(key, { prefect: lost, table: table() })).status).toBe('not-fenced');
  });
});
