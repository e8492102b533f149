import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { newRunId } from '../../../../functions/core/backup/layout.ts';
import { pruneDumps } from '../../../../functions/core/backup/prune-dumps.ts';
import { BACKUP_BUCKET, listKeys, putObjects, useBackupEndpoints } from './support/backup-endpoints.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-06-30T12:00:00Z');
const daysAgo = (days: number) => newRunId(new Date(NOW.getTime() - days * DAY));
const dumps = 'postgres/prefect/';

describe('pruneDumps', () => {
  const stores = useBackupEndpoints([]);
  let deps: BackupDependencies;

  /** A dump run: the dump, its sidecar unless cut off, and a restore report next to it. */
  async function putDumpRun(runId: string, { complete = true, restored = false } = {}) {
    const objects: Record<string, string> = { [`${dumps}${runId}.dump`]: `dump ${runId}` };
    if (complete) objects[`${dumps}${runId}.dump.json`] = '{}';
    if (restored) objects[`${dumps}${runId}.dump.restore-verify.json`] = '{}';
    await putObjects(deps.destination, BACKUP_BUCKET, objects);
  }

  beforeEach(async () => {
    deps = stores.deps();
    for (const key of await listKeys(deps.destination, BACKUP_BUCKET)) {
      await deps.destination.send(new DeleteObjectCommand({ Bucket: BACKUP_BUCKET, Key: key }));
    }
  });

  it('drops every object of the runs past the retention and keeps the younger ones', async () => {
    const [older, old, young] = [daysAgo(40), daysAgo(35), daysAgo(2)];
    await putDumpRun(older, { restored: true });
    await putDumpRun(old);
    await putDumpRun(young);
    await putObjects(deps.destination, BACKUP_BUCKET, { [`${dumps}README`]: 'not a dump' });

    const result = await pruneDumps(deps, { database: 'prefect', retentionDays: 30, now: NOW });

    expect(result).toMatchObject({ keptRunIds: [young], deletedRunIds: [older, old], deletedObjects: 5 });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, dumps)).toEqual(
      [`${dumps}README`, `${dumps}${young}.dump`, `${dumps}${young}.dump.json`].sort(),
    );
  });

  it('always keeps the newest complete dump, not a newer one that was cut off', async () => {
    const [complete, cutOff] = [daysAgo(50), daysAgo(45)];
    await putDumpRun(complete);
    await putDumpRun(cutOff, { complete: false });

    const result = await pruneDumps(deps, { database: 'prefect', retentionDays: 30, now: NOW });

    expect(result).toMatchObject({ keptRunIds: [complete], deletedRunIds: [cutOff] });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, dumps)).toEqual([
      `${dumps}${complete}.dump`,
      `${dumps}${complete}.dump.json`,
    ]);
  });

  it("keeps the dump of each bucket's newest manifest, which prune-backups keeps past the retention", async () => {
    const [stale, newestOfStaleBucket, recent] = [daysAgo(90), daysAgo(60), daysAgo(1)];
    for (const runId of [stale, newestOfStaleBucket, recent]) await putDumpRun(runId);
    await putObjects(deps.destination, BACKUP_BUCKET, {
      [`manifests/raw/${stale}.jsonl`]: '{}',
      [`manifests/raw/${newestOfStaleBucket}.jsonl`]: '{}',
      [`manifests/market-data/${recent}.jsonl`]: '{}',
    });

    const result = await pruneDumps(deps, { database: 'prefect', retentionDays: 30, now: NOW });

    expect(result).toMatchObject({
      keptRunIds: [newestOfStaleBucket, recent],
      deletedRunIds: [stale],
      pinnedRunIds: [newestOfStaleBucket],
    });
  });

  it('refuses a negative retention or a database name with a slash, deleting nothing', async () => {
    await putDumpRun(daysAgo(400));
    await expect(pruneDumps(deps, { database: 'prefect', retentionDays: -1, now: NOW })).rejects.toThrow(
      /retentionDays must be a non-negative number, got -1/,
    );
    await expect(pruneDumps(deps, { database: '../x', retentionDays: 1, now: NOW })).rejects.toThrow(
      /database must be a PostgreSQL database name without "\/", got "..\/x"/,
    );
    expect(await listKeys(deps.destination, BACKUP_BUCKET, dumps)).toHaveLength(2);
  });
});
