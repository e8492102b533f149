import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { SavedEntries } from '../../cost/off-hours/workload-scaling.ts';
import { type FenceTable, markFenced, markLifted, readFenceRecord, saveOriginals } from './fence-store.ts';
import type { FenceChange, FenceKey, FenceStepResult, LiftStepResult } from './outcome.ts';
import type { PrefectControl } from './prefect-control.ts';
import { probeReachability } from './reachability.ts';

/**
 * Fence step `prefect`: every work pool paused and every active deployment schedule paused, each
 * one's flag saved first. Only what the fence changes is saved (a pool that was paused already is
 * neither saved nor touched), so the lift gives back exactly the flags that were there.
 */
export const savedPrefectSchema = z.object({
  workPools: z.array(z.object({ name: nonEmptyString(), isPaused: z.boolean() })),
  schedules: z.array(
    z.object({
      deploymentId: nonEmptyString(),
      deployment: nonEmptyString(),
      scheduleId: nonEmptyString(),
      active: z.boolean(),
    }),
  ),
});
export type SavedPrefect = z.output<typeof savedPrefectSchema>;
type SavedSchedule = SavedPrefect['schedules'][number];

export interface PrefectStepDependencies {
  readonly prefect: PrefectControl;
  readonly table: FenceTable;
}

const scheduleKey = (schedule: Pick<SavedSchedule, 'deploymentId' | 'scheduleId'>) =>
  `${schedule.deploymentId}/${schedule.scheduleId}`;
const scheduleTarget = (schedule: Pick<SavedSchedule, 'deployment' | 'scheduleId'>) =>
  `schedule ${schedule.scheduleId} of deployment ${schedule.deployment}`;

export async function fencePrefect(
  key: FenceKey,
  { prefect, table }: PrefectStepDependencies,
): Promise<FenceStepResult> {
  const base = { step: 'prefect' as const, side: key.side, failoverId: key.failoverId };
  const reach = await probeReachability('the Prefect API', () => prefect.health());
  if (!reach.reachable)
    return { ...base, status: 'unreachable', detail: reach.reason, changes: [], saved: 0 };

  const stored = await readFenceRecord(table, key, 'prefect', savedPrefectSchema);
  const [pools, deployments] = await Promise.all([prefect.workPools(), prefect.deployments()]);
  const poolEntries = new SavedEntries(stored?.original.workPools ?? [], (pool) => pool.name);
  const scheduleEntries = new SavedEntries<SavedSchedule>(stored?.original.schedules ?? [], scheduleKey);
  const poolsToPause = pools.filter((pool) => !pool.isPaused);
  for (const pool of pools) poolEntries.keep({ name: pool.name, isPaused: pool.isPaused }, !pool.isPaused);
  const schedulesToPause: SavedSchedule[] = [];
  for (const deployment of deployments) {
    for (const schedule of deployment.schedules) {
      const entry = {
        deploymentId: deployment.id,
        deployment: deployment.name,
        scheduleId: schedule.id,
        active: schedule.active,
      };
      scheduleEntries.keep(entry, schedule.active);
      if (schedule.active) schedulesToPause.push(entry);
    }
  }
  const original = { workPools: poolEntries.values(), schedules: scheduleEntries.values() };
  await saveOriginals(table, key, 'prefect', stored, original);

  const changes: FenceChange[] = [];
  for (const pool of poolsToPause) {
    const found = await prefect.setWorkPoolPaused(pool.name, true);
    changes.push({ target: `work pool ${pool.name}`, change: 'paused', outcome: found ? 'changed' : 'gone' });
  }
  for (const schedule of schedulesToPause) {
    const found = await prefect.setScheduleActive(schedule.deploymentId, schedule.scheduleId, false);
    changes.push({ target: scheduleTarget(schedule), change: 'paused', outcome: found ? 'changed' : 'gone' });
  }
  await markFenced(table, key, 'prefect');
  return {
    ...base,
    status: 'fenced',
    detail: `paused ${poolsToPause.length} of ${pools.length} work pools and ${schedulesToPause.length} deployment schedules (the others were paused already)`,
    changes,
    saved: original.workPools.length + original.schedules.length,
  };
}

export async function liftPrefect(
  key: FenceKey,
  { prefect, table }: PrefectStepDependencies,
): Promise<LiftStepResult> {
  const base = {
    step: 'prefect' as const,
    side: key.side,
    failoverId: key.failoverId,
    changes: [],
    missing: [],
  };
  const stored = await readFenceRecord(table, key, 'prefect', savedPrefectSchema);
  if (!stored)
    return { ...base, status: 'not-fenced', detail: 'nothing of Prefect was fenced by this failover' };
  if (stored.phase === 'lifted')
    return {
      ...base,
      status: 'already-lifted',
      detail: `the Prefect fence was lifted at ${stored.liftedAt}`,
    };
  const reach = await probeReachability('the Prefect API', () => prefect.health());
  if (!reach.reachable) return { ...base, status: 'unreachable', detail: reach.reason };

  const [pools, deployments] = await Promise.all([prefect.workPools(), prefect.deployments()]);
  const poolNow = new Map(pools.map((pool) => [pool.name, pool.isPaused]));
  const scheduleNow = new Map(
    deployments.flatMap((deployment) =>
      deployment.schedules.map((schedule) => [
        scheduleKey({ deploymentId: deployment.id, scheduleId: schedule.id }),
        schedule.active,
      ]),
    ),
  );
  const changes: FenceChange[] = [];
  const missing: string[] = [];
  for (const saved of stored.original.workPools) {
    const target = `work pool ${saved.name}`;
    const current = poolNow.get(saved.name);
    if (current === undefined) missing.push(target);
    else if (current !== saved.isPaused) {
      const found = await prefect.setWorkPoolPaused(saved.name, saved.isPaused);
      changes.push({
        target,
        change: saved.isPaused ? 'paused' : 'resumed',
        outcome: found ? 'changed' : 'gone',
      });
    }
  }
  for (const saved of stored.original.schedules) {
    const target = scheduleTarget(saved);
    const current = scheduleNow.get(scheduleKey(saved));
    if (current === undefined) missing.push(target);
    else if (current !== saved.active) {
      const found = await prefect.setScheduleActive(saved.deploymentId, saved.scheduleId, saved.active);
      changes.push({
        target,
        change: saved.active ? 'resumed' : 'paused',
        outcome: found ? 'changed' : 'gone',
      });
    }
  }
  await markLifted(table, key, 'prefect');
  return {
    ...base,
    status: 'lifted',
    detail: `gave back ${changes.length} saved work pool and schedule flags${missing.length ? `; ${missing.length} saved no longer exist` : ''}`,
    changes,
    missing,
  };
}
