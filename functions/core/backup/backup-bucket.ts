import { IncompleteBackupError } from '../../commons/errors.ts';
import { mapConcurrent } from './concurrency.ts';
import { type BatchResult, type CopyBatchOptions, copyBatch } from './copy.ts';
import { type BackupDependencies, nowOf } from './dependencies.ts';
import { finalizeManifest, type ManifestSummary } from './finalize.ts';
import { type PlanOptions, type PlanResult, planBackup } from './plan.ts';
import { achievedRpoSeconds } from './rpo.ts';

export interface BackupBucketOptions
  extends PlanOptions,
    Omit<CopyBatchOptions, 'sourceBucket' | 'runId' | 'batchIndex'> {
  /** Batches copied at the same time (the Distributed Map's MaxConcurrency in AWS). Default 2. */
  batchConcurrency?: number;
  postgres?: Record<string, unknown> | null;
}

export interface BackupReport
  extends Pick<PlanResult, 'sourceBucket' | 'runId' | 'scanned' | 'toCopy'>,
    Pick<BatchResult, 'copied' | 'skipped' | 'vanished' | 'failed' | 'failures' | 'bytesCopied'> {
  /** True when the run wrote its manifest. */
  complete: boolean;
  manifest: ManifestSummary | null;
  durationMs: number;
  throughputBytesPerSecond: number;
  /**
   * The achieved RPO (functions/core/backup/rpo.ts, as the workflow's report measures it): from the
   * start of this run if it completed, else of the previous complete run; null if there is none.
   */
  rpoSeconds: number | null;
}

/**
 * The whole backup of one bucket in one process (docs/backup.md steps 2-4): what the workflow does
 * with a Distributed Map, for the tests and the benchmark. An incomplete run is reported (complete
 * false, with its failures) rather than thrown, so a caller can measure it and run again; any other
 * failure is thrown.
 */
export async function backupBucket(
  deps: BackupDependencies,
  options: BackupBucketOptions,
): Promise<BackupReport> {
  const started = performance.now();
  const plan = await planBackup(deps, options);
  const batchIndexes = plan.dryRun ? [] : Array.from({ length: plan.batches }, (_, index) => index);
  const batches = await mapConcurrent(batchIndexes, options.batchConcurrency ?? 2, (batchIndex) =>
    copyBatch(deps, { ...options, sourceBucket: plan.sourceBucket, runId: plan.runId, batchIndex }),
  );
  let manifest: ManifestSummary | null = plan.manifest;
  if (!manifest && !plan.dryRun) {
    try {
      manifest = await finalizeManifest(deps, {
        sourceBucket: plan.sourceBucket,
        runId: plan.runId,
        postgres: options.postgres,
      });
    } catch (error) {
      if (!(error instanceof IncompleteBackupError)) throw error;
    }
  }
  const durationMs = Math.round(performance.now() - started);
  const bytesCopied = sum(batches.map((batch) => batch.bytesCopied));
  return {
    sourceBucket: plan.sourceBucket,
    runId: plan.runId,
    complete: manifest !== null,
    manifest,
    scanned: plan.scanned,
    toCopy: plan.toCopy,
    copied: sum(batches.map((batch) => batch.copied)),
    skipped: sum(batches.map((batch) => batch.skipped)),
    vanished: sum(batches.map((batch) => batch.vanished)),
    failed: sum(batches.map((batch) => batch.failed)),
    failures: batches.flatMap((batch) => batch.failures).slice(0, 20),
    bytesCopied,
    durationMs,
    throughputBytesPerSecond: durationMs > 0 ? Math.round((bytesCopied * 1000) / durationMs) : 0,
    rpoSeconds: achievedRpoSeconds(manifest ? plan.runId : plan.previousRunId, nowOf(deps)),
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
