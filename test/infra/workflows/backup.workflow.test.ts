import { beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '../../../functions/commons/errors.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { BACKUP_TIMEOUT, BUCKET_CONCURRENCY } from '../../../workflows/backup.workflow.ts';
import {
  type AslState,
  type AslStateMachine,
  allStates,
  handlerModulesByLogicalId,
  stateMachineDefinition,
  synthesizeEnvironment,
} from '../template-helpers.ts';

let definition: AslStateMachine;
let states: Record<string, AslState>;
let handlerOf: (state: AslState) => string;
const config = loadEnvironmentConfig('production');

beforeAll(() => {
  const { template } = synthesizeEnvironment('production');
  definition = stateMachineDefinition(template, 'backup');
  states = allStates(definition);
  const modules = handlerModulesByLogicalId(template);
  handlerOf = (state) => modules[String(state.Resource).replace(/\.Arn$/, '')] ?? `unknown ${state.Resource}`;
}, 120_000);

/** The states reachable from `start` through Next, Default, Choices and Catch (not into nested graphs). */
function successors(state: AslState): string[] {
  const next = [state.Next, state.Default].filter((name): name is string => typeof name === 'string');
  const choices = ((state.Choices as { Next: string }[] | undefined) ?? []).map((choice) => choice.Next);
  const catches = ((state.Catch as { Next: string }[] | undefined) ?? []).map((handler) => handler.Next);
  return [...next, ...choices, ...catches];
}

/** Every path from `start` to an end, as lists of state names (the graphs here have no cycles but one). */
function paths(graph: AslStateMachine, start: string, seen: string[] = []): string[][] {
  const state = graph.States[start]!;
  const next = successors(state).filter((name) => !seen.includes(name));
  if (next.length === 0) return [[...seen, start]];
  return next.flatMap((name) => paths(graph, name, [...seen, start]));
}

describe('backupWorkflow definition', () => {
  it('has exactly the documented states, all verb-noun PascalCase', () => {
    expect(Object.keys(states).sort()).toEqual(
      [
        'ValidateBackupRequest',
        'DumpPostgres',
        'RecordPostgresDumpError',
        'CollectPostgresDump',
        'BackUpBuckets',
        'AcquireBackupLock',
        'PlanBackup',
        'IsDryRun',
        'ReleaseBackupLockAfterDryRun',
        'CarryCommittedManifest',
        'CopyBackupBatches',
        'CopyBackupBatch',
        'FinalizeBackupManifest',
        'PruneBackups',
        'ReleaseBackupLock',
        'ReleaseBackupLockAfterFailure',
        'RecordBucketBackedUp',
        'RecordBucketPlanned',
        'RecordBucketSkipped',
        'RecordBucketFailed',
        'StartVolumeBackup',
        'IsVolumeBackupDone',
        'WaitForVolumeBackup',
        'CheckVolumeBackup',
        'RecordVolumeBackupError',
        'CollectVolumeBackup',
        'BuildBackupReport',
        'HasBackupSucceeded',
        'ReportBackupSucceeded',
        'SerializeBackupReport',
        'NotifyOperators',
        'ReportBackupFailed',
      ].sort(),
    );
    for (const name of Object.keys(states)) expect(name).toMatch(/^[A-Z][a-z]+(?:[A-Z0-9][a-z0-9]*)+$/);
    expect(definition.StartAt).toBe('ValidateBackupRequest');
    expect(definition.TimeoutSeconds).toBe(BACKUP_TIMEOUT.toSeconds());
  });

  it('uses JSONPath only: no JSONata, no Assign variables', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toContain('QueryLanguage');
    expect(text).not.toContain('"Assign"');
    expect(text).not.toContain('{%');
  });

  it('backs up each requested bucket in an inline Map with the run id, dry-run flag, owner and dump', () => {
    expect(states.BackUpBuckets).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.request.buckets',
      MaxConcurrency: BUCKET_CONCURRENCY,
      ResultPath: '$.buckets',
      ItemSelector: {
        'bucket.$': '$$.Map.Item.Value',
        'runId.$': '$.request.runId',
        'dryRun.$': '$.request.dryRun',
        'owner.$': '$$.Execution.Name',
        'postgres.$': '$.postgres',
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'AcquireBackupLock' },
    });
  });

  it('copies the batches in a Distributed Map that reads batches.json from the work bucket', () => {
    const copy = states.CopyBackupBatches!;
    expect(copy).toMatchObject({
      Type: 'Map',
      MaxConcurrency: config.backup.copy.maxConcurrentBatches,
      ToleratedFailurePercentage: config.backup.copy.toleratedFailurePercentage,
      ResultPath: null,
      ItemReader: {
        Resource: expect.stringMatching(/:states:::s3:getObject$/),
        ReaderConfig: { InputType: 'JSON' },
        Parameters: {
          Bucket: expect.stringMatching(/^\$\{BackupWorkBucket[0-9A-F]+\}$/),
          'Key.$': '$.plan.batchesKey',
        },
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'CopyBackupBatch',
      },
    });
    const batch = states.CopyBackupBatch!;
    expect(handlerOf(batch)).toBe('functions/copy-backup-batch.handler.ts');
    // One small number per item keeps the Map's result far below the 256 KiB state limit.
    expect(batch).toMatchObject({ ResultPath: null, OutputPath: '$.batchIndex', End: true });
    expect(batch.Retry).toEqual(
      expect.arrayContaining([expect.objectContaining({ ErrorEquals: [...RETRYABLE_ERROR_NAMES] })]),
    );
  });

  it('runs the per-bucket steps in order, each on its own handler and result path', () => {
    const chain = [
      ['AcquireBackupLock', 'acquire-backup-lock', '$.lock', 'PlanBackup'],
      ['PlanBackup', 'plan-backup', '$.plan', 'IsDryRun'],
      ['FinalizeBackupManifest', 'finalize-backup-manifest', '$.manifest', 'PruneBackups'],
      ['PruneBackups', 'prune-backups', '$.prune', 'ReleaseBackupLock'],
      ['ReleaseBackupLock', 'release-backup-lock', '$.release', 'RecordBucketBackedUp'],
    ] as const;
    for (const [name, handler, resultPath, next] of chain) {
      expect(states[name], name).toMatchObject({ Type: 'Task', ResultPath: resultPath, Next: next });
      expect(handlerOf(states[name]!)).toBe(`functions/${handler}.handler.ts`);
    }
    expect(states.CopyBackupBatches!.Next).toBe('FinalizeBackupManifest');
    expect(states.IsDryRun).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.dryRun', BooleanEquals: true, Next: 'ReleaseBackupLockAfterDryRun' },
        { Variable: '$.plan.manifest.manifestKey', IsPresent: true, Next: 'CarryCommittedManifest' },
      ],
      Default: 'CopyBackupBatches',
    });
    // Nothing to copy: the plan committed the manifest, which goes where finalize would put it.
    expect(states.CarryCommittedManifest).toMatchObject({
      Type: 'Pass',
      InputPath: '$.plan.manifest',
      ResultPath: '$.manifest',
      Next: 'PruneBackups',
    });
  });

  it('skips a bucket whose lock is held and records every other failure', () => {
    expect(states.AcquireBackupLock!.Catch).toEqual([
      { ErrorEquals: ['LockHeldError'], ResultPath: '$.error', Next: 'RecordBucketSkipped' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordBucketFailed' },
    ]);
    for (const name of ['PlanBackup', 'CopyBackupBatches', 'FinalizeBackupManifest', 'PruneBackups']) {
      expect(states[name]!.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseBackupLockAfterFailure' },
      ]);
    }
    expect(states.RecordBucketFailed).toEqual({
      Type: 'Pass',
      Parameters: { status: 'FAILED', 'run.$': '$' },
      End: true,
    });
  });

  it('releases the lock on every path that took it', () => {
    const bucketRun = states.BackUpBuckets!.ItemProcessor as AslStateMachine;
    const afterLock = paths(bucketRun, 'PlanBackup');
    expect(afterLock.length).toBeGreaterThan(5);
    for (const path of afterLock) {
      expect(
        path.some((name) => name.startsWith('ReleaseBackupLock')),
        path.join(' -> '),
      ).toBe(true);
    }
  });

  it('polls the volume jobs until none runs, and records a failure of either step', () => {
    expect(handlerOf(states.StartVolumeBackup!)).toBe('functions/start-volume-backup.handler.ts');
    expect(states.StartVolumeBackup).toMatchObject({
      Parameters: { 'runId.$': '$.request.runId', 'dryRun.$': '$.request.dryRun' },
      ResultPath: '$.volumes',
      Next: 'IsVolumeBackupDone',
    });
    expect(states.IsVolumeBackupDone).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.volumes.state', StringEquals: 'RUNNING', Next: 'WaitForVolumeBackup' }],
      Default: 'CollectVolumeBackup',
    });
    expect(states.WaitForVolumeBackup).toMatchObject({ Type: 'Wait', Next: 'CheckVolumeBackup' });
    expect(states.CheckVolumeBackup).toMatchObject({
      InputPath: '$.volumes',
      ResultPath: '$.volumes',
      Next: 'IsVolumeBackupDone',
    });
    for (const name of ['StartVolumeBackup', 'CheckVolumeBackup']) {
      expect(states[name]!.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.volumesError', Next: 'RecordVolumeBackupError' },
      ]);
    }
    expect(states.CollectVolumeBackup!.Next).toBe('BuildBackupReport');
  });

  it('dumps PostgreSQL before the buckets, waiting longer through retries, without stopping the backup', () => {
    expect(states.ValidateBackupRequest!.Next).toBe('DumpPostgres');
    expect(handlerOf(states.DumpPostgres!)).toBe('functions/dump-postgres.handler.ts');
    expect(states.DumpPostgres!.Retry).toEqual(
      expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['PostgresJobTimeoutError'] })]),
    );
    expect(states.DumpPostgres!.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.postgresError', Next: 'RecordPostgresDumpError' },
    ]);
    expect(states.CollectPostgresDump!.Next).toBe('BackUpBuckets');
  });

  it('reports, notifies on failure and fails the execution with BackupFailed', () => {
    expect(states.BuildBackupReport).toMatchObject({
      Parameters: {
        'request.$': '$.request',
        'postgres.$': '$.postgres',
        'buckets.$': '$.buckets',
        'volumes.$': '$.volumes',
      },
      ResultPath: '$.report',
      Next: 'HasBackupSucceeded',
    });
    expect(states.HasBackupSucceeded).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.report.status', StringEquals: 'SUCCEEDED', Next: 'ReportBackupSucceeded' }],
      Default: 'SerializeBackupReport',
    });
    expect(handlerOf(states.NotifyOperators!)).toBe('functions/notify.handler.ts');
    expect(states.NotifyOperators).toMatchObject({ Next: 'ReportBackupFailed' });
    expect(states.ReportBackupFailed).toEqual({
      Type: 'Fail',
      Error: 'BackupFailed',
      CausePath: '$.verdict.cause',
    });
    expect(states.ReportBackupSucceeded).toEqual({ Type: 'Succeed', OutputPath: '$.report' });
  });
});
