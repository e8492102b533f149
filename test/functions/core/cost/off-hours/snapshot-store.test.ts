import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SavedState } from '../../../../../functions/core/cost/off-hours/saved-state.ts';
import {
  clearSnapshot,
  markAsleep,
  readSnapshot,
  SnapshotConflictError,
  type SnapshotTable,
  saveSnapshot,
} from '../../../../../functions/core/cost/off-hours/snapshot-store.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../../../local/lakehouse/dynamodb.ts';
import { rejectionOf } from '../../../support/rejection.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const TABLE = 'lakehouse-ops-snapshot-test-ops';
const STATE: SavedState = {
  workloads: [{ kind: 'Deployment', namespace: 'prefect', name: 'worker', replicas: 3 }],
  cronJobs: [{ namespace: 's5cmd', name: 'compaction', suspend: false }],
  nodeGroups: [{ name: 'compute', minSize: 1, desiredSize: 3, maxSize: 10 }],
};
const ZEROS: SavedState = { ...STATE, workloads: [{ ...STATE.workloads[0]!, replicas: 0 }] };

describe('off-hours snapshot store (dynalite)', () => {
  let dynamo: LocalDynamoDb;
  let table: SnapshotTable;
  let environmentNumber = 0;
  const environment = () => `env-${++environmentNumber}`;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb({ opsTableName: TABLE, region: 'eu-west-1', credentials });
    table = {
      dynamoDb: new DynamoDBClient({ endpoint: dynamo.url, region: 'eu-west-1', credentials }),
      tableName: TABLE,
      clock: () => new Date('2026-03-02T19:00:00.000Z'),
    };
  });
  afterAll(async () => {
    table?.dynamoDb.destroy();
    await dynamo?.stop();
  });

  it('saves, marks asleep and clears one snapshot per environment', async () => {
    const env = environment();
    await saveSnapshot(table, { environment: env, state: STATE, executionId: 'sleep-1' });
    expect(await readSnapshot(table, env)).toEqual({
      environment: env,
      phase: 'falling-asleep',
      version: 1,
      savedAt: '2026-03-02T19:00:00.000Z',
      savedBy: 'sleep-1',
      state: STATE,
    });

    await markAsleep(table, env, 1);
    expect(await readSnapshot(table, env)).toMatchObject({
      phase: 'asleep',
      asleepAt: '2026-03-02T19:00:00.000Z',
    });

    await clearSnapshot(table, env, 1);
    expect(await readSnapshot(table, env)).toBeUndefined();
    // A retried clear finds nothing to delete, which is fine.
    expect(await clearSnapshot(table, env, 1)).toEqual({ cleared: true });
  });

  it('never replaces a snapshot it did not read: a second first save fails and the counts stay', async () => {
    const env = environment();
    await saveSnapshot(table, { environment: env, state: STATE, executionId: 'sleep-1' });

    const error = await rejectionOf(
      saveSnapshot(table, { environment: env, state: ZEROS, executionId: 'sleep-2' }),
    );

    expect(error).toBeInstanceOf(SnapshotConflictError);
    expect((error as Error).message).toContain(
      'changed since it was planned (now version 1, saved by sleep-1)',
    );
    expect((await readSnapshot(table, env))?.state).toEqual(STATE);
  });

  it('accepts the retry of a save that already went through, and a save against the version it read', async () => {
    const env = environment();
    const request = { environment: env, state: STATE, executionId: 'sleep-1' };
    await saveSnapshot(table, request);

    expect(await saveSnapshot(table, request)).toMatchObject({ version: 1, savedBy: 'sleep-1' });
    expect(
      await saveSnapshot(table, { ...request, executionId: 'sleep-2', expectedVersion: 1 }),
    ).toMatchObject({
      version: 2,
    });
  });

  it('refuses to mark asleep or clear a snapshot saved again since', async () => {
    const env = environment();
    await saveSnapshot(table, { environment: env, state: STATE, executionId: 'sleep-1' });
    await saveSnapshot(table, { environment: env, state: STATE, executionId: 'sleep-2', expectedVersion: 1 });

    expect(await rejectionOf(markAsleep(table, env, 1))).toBeInstanceOf(SnapshotConflictError);
    expect(await rejectionOf(clearSnapshot(table, env, 1))).toBeInstanceOf(SnapshotConflictError);
    expect(await readSnapshot(table, env)).toMatchObject({ version: 2 });
  });
});
