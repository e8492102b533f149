import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/build-backup-report.handler.ts';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { UNBOUNDED_RPO_SECONDS } from '../../functions/core/backup-workflow/report.ts';
import { numberedObjects } from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { itRefusesEnvironment } from './support/rejection.ts';

const runId = '20260301T020000Z-0badcafe';

function request(buckets: string[]) {
  return {
    buckets,
    dryRun: false,
    requestedBy: 'schedule',
    runId,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
  };
}

function skipped(bucket: string) {
  return { status: 'SKIPPED' as const, run: { bucket, runId, error: { Error: 'LockHeldError' } } };
}

describe('build-backup-report handler', () => {
  const harness = useBackupHandlerHarness(['report-backed-up', 'report-never'], {
    seed: { 'report-backed-up': numberedObjects(3, 'ticks/') },
  });
  // After the harness's: its POWERTOOLS defaults name another environment.
  const { output } = useHandlerEnvironment(() => ({ ENVIRONMENT_NAME: 'staging' }));

  it('returns the report and publishes its metrics as EMF', async () => {
    const report = await handler(
      {
        request: request(['raw']),
        postgres: { state: 'SKIPPED' },
        buckets: [
          {
            status: 'BACKED_UP',
            run: {
              bucket: 'raw',
              runId,
              owner: 'execution-a',
              plan: {
                runId,
                previousRunId: null,
                scanned: { objects: 5, bytes: 50 },
                toCopy: { objects: 5, bytes: 50 },
                unchanged: 0,
                deleted: 0,
                batches: 1,
              },
              manifest: { manifestKey: `manifests/raw/${runId}.jsonl`, objects: 5, bytes: 50 },
            },
          },
        ],
        volumes: {
          state: 'COMPLETED',
          startedAt: '2026-03-01T02:00:00Z',
          jobs: [],
          volumes: [],
          ignored: [],
        },
      },
      lambdaContext(),
    );
    expect(report).toMatchObject({ status: 'SUCCEEDED', environment: 'staging', objects: { copied: 5 } });
    const metrics = emittedMetrics(output().lines());
    expect(metrics).toContainEqual(
      expect.objectContaining({
        BackupObjectsCopied: 5,
        BackupBytesCopied: 50,
        BackupSucceeded: 1,
        environment: 'staging',
      }),
    );
  });

  it('measures skipped buckets from the newest manifest in the backup bucket, or reports them unbounded', async () => {
    const backup = await backupBucket(harness.deps(), { sourceBucket: 'report-backed-up' });
    expect(backup.complete).toBe(true);

    const report = await handler(
      {
        request: request(['report-backed-up', 'report-never']),
        buckets: [skipped('report-backed-up'), skipped('report-never')],
      },
      lambdaContext(),
    );
    expect(report.buckets[0]).toMatchObject({ restorePoint: backup.runId });
    expect(report.buckets[0]!.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.buckets[0]!.rpoSeconds).toBeLessThan(60);
    expect(report.buckets[1]).toMatchObject({ restorePoint: null, rpoSeconds: null });
    expect(report).toMatchObject({ achievedRpoSeconds: null, neverBackedUp: ['report-never'] });
    expect(emittedMetrics(output().lines())).toContainEqual(
      expect.objectContaining({ BackupAchievedRpo: UNBOUNDED_RPO_SECONDS, BackupBucketsNeverBackedUp: 1 }),
    );
  });

  it('still reports when a restore point cannot be looked up: FAILED, the RPO counted as unbounded', async () => {
    vi.stubEnv('BACKUP_BUCKET_NAME', 'no-such-backup-bucket');

    const report = await handler(
      { request: request(['report-never']), buckets: [skipped('report-never')] },
      lambdaContext(),
    );

    expect(report).toMatchObject({ status: 'FAILED', achievedRpoSeconds: null, neverBackedUp: [] });
    expect(report.buckets[0]).toMatchObject({
      restorePoint: null,
      restorePointError: expect.stringContaining(
        'UnknownBucketError: bucket "no-such-backup-bucket" does not exist',
      ),
    });
    expect(report.failures).toContainEqual(
      expect.stringContaining('report-never: its newest complete backup could not be looked up'),
    );
    expect(emittedMetrics(output().lines())).toContainEqual(
      expect.objectContaining({ BackupAchievedRpo: UNBOUNDED_RPO_SECONDS, BackupSucceeded: 0 }),
    );
  });

  itRefusesEnvironment('BACKUP_BUCKET_NAME', undefined, () =>
    handler({ request: request(['raw']), buckets: [skipped('raw')] }, lambdaContext()),
  );
});
