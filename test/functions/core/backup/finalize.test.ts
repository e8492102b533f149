import { beforeAll, describe, expect, it } from 'vitest';
import { IncompleteBackupError } from '../../../../functions/commons/errors.ts';
import { copyBatch } from '../../../../functions/core/backup/copy.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { finalizeManifest } from '../../../../functions/core/backup/finalize.ts';
import { manifestKey, runKeys } from '../../../../functions/core/backup/layout.ts';
import { readManifest } from '../../../../functions/core/backup/manifest.ts';
import { planBackup } from '../../../../functions/core/backup/plan.ts';
import {
  BACKUP_BUCKET,
  collect,
  listKeys,
  putObjects,
  sha256,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'finalize-src';

describe('finalizeManifest', () => {
  const stores = useBackupEndpoints([bucket]);
  let deps: BackupDependencies;
  beforeAll(async () => {
    deps = stores.deps();
    const objects: Record<string, string> = {};
    for (let index = 0; index < 10; index += 1) objects[`obj-${index}`] = `content ${index}`;
    await putObjects(deps.source, bucket, objects);
  });

  it('writes no manifest and names missing keys when a batch did not run', async () => {
    const plan = await planBackup(deps, { sourceBucket: bucket, batchSize: 4 });
    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 0 });
    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 2 });

    const finalize = finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    await expect(finalize).rejects.toBeInstanceOf(IncompleteBackupError);
    await expect(finalize).rejects.toMatchObject({
      details: {
        missing: 4,
        pending: 10,
        sample: expect.arrayContaining([expect.objectContaining({ key: 'obj-4' })]),
      },
    });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `manifests/${bucket}/`)).toEqual([]);
    // The run's files stay, so the batch can still run and the run be finalized.
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runKeys(bucket, plan.runId).prefix)).toContain(
      runKeys(bucket, plan.runId).plan,
    );

    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 1 });
    const summary = await finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    expect(summary).toMatchObject({ objects: 10, deleted: 0, manifestKey: manifestKey(bucket, plan.runId) });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runKeys(bucket, plan.runId).prefix)).toEqual([]);

    const manifest = await readManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    expect(manifest.header).toMatchObject({
      objects: 10,
      bytes: summary.bytes,
      previousRunId: null,
      postgres: null,
    });
    const entries = await collect(manifest.entries);
    expect(entries.map((entry) => entry.sha256)).toEqual(
      entries.map((entry) => sha256(`content ${entry.key.slice('obj-'.length)}`)),
    );
  });

  it('has nothing to do for a run the plan committed (nothing to copy): its run files are gone', async () => {
    const plan = await planBackup(deps, { sourceBucket: bucket });
    expect(plan.batches).toBe(0);
    expect(plan.manifest).toMatchObject({ objects: 10, previousRunId: plan.previousRunId });
    await expect(finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId })).rejects.toThrow(
      /does not exist: this run was never planned, or the plan already committed its manifest/,
    );
  });
});
