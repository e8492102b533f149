import { describe, expect, it } from 'vitest';
import {
  type BackupReportInput,
  type BucketOutcome,
  bucketsWithoutRestorePoint,
  buildBackupReport,
  recordBackupMetrics,
  UNBOUNDED_RPO_SECONDS,
} from '../../../../functions/core/backup-workflow/report.ts';

const runId = '20260301T020000Z-0badcafe';
const previousRunId = '20260228T020000Z-12345678';
const now = new Date('2026-03-01T02:10:00Z');

function plan(toCopy: { objects: number; bytes: number }) {
  return {
    runId,
    previousRunId,
    scanned: { objects: 100, bytes: 10_000 },
    toCopy,
    unchanged: 100 - toCopy.objects,
    deleted: 1,
    batches: 2,
  };
}

function input(buckets: BucketOutcome[], extra: Partial<BackupReportInput> = {}): BackupReportInput {
  return {
    request: {
      buckets: buckets.map((b) => b.run.bucket),
      dryRun: false,
      requestedBy: 'schedule',
      runId,
      startedAt: '2026-03-01T02:00:00Z',
    },
    buckets,
    ...extra,
  };
}

const backedUp: BucketOutcome = {
  status: 'BACKED_UP',
  run: {
    bucket: 'raw',
    runId,
    plan: plan({ objects: 10, bytes: 6_000 }),
    manifest: { manifestKey: `manifests/raw/${runId}.jsonl`, objects: 99, bytes: 9_000 },
  },
};
const failed: BucketOutcome = {
  status: 'FAILED',
  run: {
    bucket: 'curated',
    runId,
    plan: plan({ objects: 4, bytes: 400 }),
    error: {
      Error: 'IncompleteBackupError',
      Cause: JSON.stringify({ errorMessage: '4 objects have no copy' }),
    },
  },
};

const twoDaysAgo = '20260227T020000Z-87654321';

function skipped(bucket: string): BucketOutcome {
  return { status: 'SKIPPED', run: { bucket, runId, error: { Error: 'LockHeldError' } } };
}

describe('buildBackupReport', () => {
  it('adds up scanned, copied and skipped, and measures duration, throughput and RPO', () => {
    const report = buildBackupReport(input([backedUp]), 'production', now, {});
    expect(report).toMatchObject({
      workflow: 'backup',
      environment: 'production',
      status: 'SUCCEEDED',
      durationSeconds: 600,
      objects: { scanned: 100, copied: 10, skipped: 90, failed: 0 },
      bytes: { scanned: 10_000, copied: 6_000, skipped: 4_000, failed: 0 },
      throughputBytesPerSecond: 10,
      // Complete up to the start of this run's listing: 10 minutes ago.
      achievedRpoSeconds: 600,
      failures: [],
    });
    expect(report.buckets[0]).toMatchObject({ manifestKey: `manifests/raw/${runId}.jsonl`, rpoSeconds: 600 });
  });

  it('fails the report when a bucket fails, counting its pending objects as failed and its RPO from the previous run', () => {
    const report = buildBackupReport(input([backedUp, failed]), 'production', now, {});
    expect(report.status).toBe('FAILED');
    expect(report.objects).toEqual({ scanned: 200, copied: 10, skipped: 186, failed: 4 });
    expect(report.failures).toEqual(['curated: IncompleteBackupError: 4 objects have no copy']);
    expect(report.buckets[1]!.rpoSeconds).toBe(24 * 3600 + 600);
    expect(report.achievedRpoSeconds).toBe(24 * 3600 + 600);
    expect(report.summary).toContain('1 backed up');
    expect(report.summary).toContain('1 failed');
  });

  it('treats a locked bucket as skipped, not failed, measuring its RPO from its newest manifest; a dry run as planned', () => {
    const planned: BucketOutcome = {
      status: 'PLANNED',
      run: { bucket: 'curated', runId, plan: plan({ objects: 3, bytes: 30 }) },
    };
    expect(bucketsWithoutRestorePoint(input([skipped('raw'), planned]))).toEqual(['raw']);
    const report = buildBackupReport(input([skipped('raw'), planned]), 'staging', now, {
      raw: twoDaysAgo,
    });
    expect(report.status).toBe('SUCCEEDED');
    expect(report.buckets[0]).toMatchObject({
      status: 'SKIPPED',
      restorePoint: twoDaysAgo,
      rpoSeconds: 2 * 24 * 3600 + 600,
    });
    expect(report.buckets[1]).toMatchObject({
      wouldCopy: { objects: 3, bytes: 30 },
      copied: { objects: 0, bytes: 0 },
      restorePoint: previousRunId,
    });
    // The skipped bucket is the worst one: it counts.
    expect(report.achievedRpoSeconds).toBe(2 * 24 * 3600 + 600);
  });

  it('reports an RPO when every bucket was skipped', () => {
    const report = buildBackupReport(input([skipped('raw'), skipped('curated')]), 'production', now, {
      raw: previousRunId,
      curated: twoDaysAgo,
    });
    expect(report.buckets.map((bucket) => bucket.rpoSeconds)).toEqual([24 * 3600 + 600, 2 * 24 * 3600 + 600]);
    expect(report.achievedRpoSeconds).toBe(2 * 24 * 3600 + 600);
    expect(report.neverBackedUp).toEqual([]);
  });

  it('measures a bucket whose plan failed from its last good backup, a month old', () => {
    const planFailed: BucketOutcome = {
      status: 'FAILED',
      run: {
        bucket: 'curated',
        runId,
        error: { Error: 'ObjectStoreError', Cause: JSON.stringify({ errorMessage: 'ListObjectsV2 failed' }) },
      },
    };
    const aMonthAgo = '20260129T020000Z-0000abcd';
    const report = buildBackupReport(input([backedUp, planFailed]), 'production', now, {
      curated: aMonthAgo,
    });
    expect(report.status).toBe('FAILED');
    expect(report.buckets[1]).toMatchObject({ restorePoint: aMonthAgo, rpoSeconds: 31 * 24 * 3600 + 600 });
    expect(report.achievedRpoSeconds).toBe(31 * 24 * 3600 + 600);
  });

  it('reports a bucket never backed up as unbounded, in the report, the summary and the metric', () => {
    const report = buildBackupReport(input([backedUp, skipped('fresh')]), 'production', now, {
      fresh: null,
    });
    expect(report.buckets[1]).toMatchObject({ restorePoint: null, rpoSeconds: null });
    expect(report.achievedRpoSeconds).toBeNull();
    expect(report.neverBackedUp).toEqual(['fresh']);
    expect(report.summary).toContain('never backed up (RPO unbounded): fresh');
    const recorded = recordedMetrics(report);
    expect(recorded.BackupAchievedRpo).toEqual(['Seconds', UNBOUNDED_RPO_SECONDS]);
    expect(recorded.BackupBucketsNeverBackedUp).toEqual(['Count', 1]);
  });

  it('refuses to report a bucket without a plan whose newest backup was not looked up', () => {
    expect(() => buildBackupReport(input([skipped('raw')]), 'production', now, {})).toThrow(
      /needs the newest complete backup of raw/,
    );
  });

  it('fails on a failed dump or volume job and names them', () => {
    const report = buildBackupReport(
      input([backedUp], {
        postgres: {
          state: 'FAILED',
          error: { Error: 'PostgresJobFailedError', Cause: 'pg_dump: connection refused' },
        },
        volumes: {
          state: 'FAILED',
          startedAt: '2026-03-01T02:05:00Z',
          jobs: [
            {
              jobId: 'j1',
              resourceArn: 'arn:vol',
              state: 'FAILED',
              awsState: 'EXPIRED',
              claim: 'data-minio-0',
            },
          ],
          volumes: [],
          ignored: [],
        },
      }),
      'production',
      now,
      {},
    );
    expect(report.failures).toEqual([
      'postgres: PostgresJobFailedError: pg_dump: connection refused',
      'volume data-minio-0: EXPIRED',
    ]);
  });
});

describe('recordBackupMetrics', () => {
  it('emits every figure of the report and BackupSucceeded as 0 or 1', () => {
    const recorded = recordedMetrics(buildBackupReport(input([backedUp, failed]), 'production', now, {}));
    expect(recorded).toMatchObject({
      BackupObjectsCopied: ['Count', 10],
      BackupObjectsFailed: ['Count', 4],
      BackupBytesSkipped: ['Bytes', 13_600],
      BackupDuration: ['Seconds', 600],
      BackupThroughput: ['Bytes/Second', 10],
      BackupAchievedRpo: ['Seconds', 87_000],
      BackupBucketsFailed: ['Count', 1],
      BackupBucketsNeverBackedUp: ['Count', 0],
      BackupSucceeded: ['Count', 0],
    });
  });

  it('emits the achieved RPO of a run whose buckets were all skipped', () => {
    const report = buildBackupReport(input([skipped('raw')]), 'production', now, { raw: previousRunId });
    expect(recordedMetrics(report).BackupAchievedRpo).toEqual(['Seconds', 24 * 3600 + 600]);
  });
});

function recordedMetrics(report: ReturnType<typeof buildBackupReport>): Record<string, [string, number]> {
  const recorded: Record<string, [string, number]> = {};
  recordBackupMetrics(
    {
      addMetric: (name: string, unit: string, value: number) => {
        recorded[name] = [unit, value];
      },
    },
    report,
  );
  return recorded;
}
