/**
 * The full copy and the no-change re-run of the same data set by each tool, in interleaved rounds:
 * this machine's speed drifts by tens of percent over seconds, so each round runs every tool once,
 * in a rotated order, and the report takes medians. Every full copy goes into a fresh bucket and
 * is checked (object count at the destination, objects the tool says it copied); every re-run must
 * copy nothing.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BackupReport } from '../../functions/core/backup/backup-bucket.ts';
import { dataPrefix } from '../../functions/core/backup/layout.ts';
import { awsS3Sync } from './aws-sync.ts';
import type { CopyCoreTuning } from './copy-core-child.ts';
import type { CopyCoreRun, CopyCoreRunner } from './copy-core-run.ts';
import { type DataSet, totalObjects } from './dataset.ts';
import type { BenchEndpoints } from './endpoints.ts';
import { serverCpuDuring } from './process-cpu.ts';
import { rcloneSync } from './rclone-sync.ts';
import { countObjects } from './s3rver-layout.ts';
import type { MeasuredSyncRun, SyncRun } from './timed-process.ts';

export type ToolName = 'lakehouse-ops' | 'lakehouse-ops-tuned' | 'rclone' | 'aws-cli';

export interface ToolRound {
  readonly tool: ToolName;
  readonly round: number;
  readonly fullCopy: MeasuredSyncRun;
  /** lakehouse-ops: the whole child process, Node start-up included. */
  readonly fullCopyProcessSeconds?: number;
  readonly rerun: MeasuredSyncRun;
  readonly rerunProcessSeconds?: number;
  readonly rerunProfile?: CopyCoreProfile;
  /** lakehouse-ops: where the full copy went (S3 calls per operation, CPU, peak RSS). */
  readonly fullCopyProfile?: CopyCoreProfile;
  /** rclone only: the re-run comparing MD5 (--checksum) instead of size + modtime. */
  readonly rerunChecksum?: MeasuredSyncRun;
}

export type CopyCoreProfile = Pick<CopyCoreRun, 'cpuSeconds' | 'maxRssBytes' | 's3Calls'>;

export interface CopyComparisonContext {
  readonly endpoints: BenchEndpoints;
  readonly clients: { readonly source: S3Client; readonly destination: S3Client };
  readonly sourceBucket: string;
  readonly dataSet: DataSet;
  readonly copyCore: CopyCoreRunner;
  /** backupBucket options of the 'lakehouse-ops' runs (the workflow's defaults: {}). */
  readonly copyCoreTuning: CopyCoreTuning;
  /** backupBucket options of the 'lakehouse-ops-tuned' runs; undefined leaves them out. */
  readonly tunedCopyCoreTuning?: CopyCoreTuning;
  readonly log: (line: string) => void;
}

export async function compareCopies(context: CopyComparisonContext, rounds: number): Promise<ToolRound[]> {
  const tools: ToolName[] = ['lakehouse-ops', 'rclone', 'aws-cli'];
  if (context.tunedCopyCoreTuning) tools.splice(1, 0, 'lakehouse-ops-tuned');
  const results: ToolRound[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < tools.length; turn++) {
      const tool = tools[(round + turn) % tools.length]!;
      const result = await runTool(context, tool, round);
      context.log(
        `round ${round + 1}/${rounds} ${tool}: full copy ${result.fullCopy.seconds.toFixed(2)} s, re-run ${result.rerun.seconds.toFixed(2)} s${
          result.rerunChecksum ? `, re-run --checksum ${result.rerunChecksum.seconds.toFixed(2)} s` : ''
        }`,
      );
      results.push(result);
    }
  }
  return results;
}

function runTool(context: CopyComparisonContext, tool: ToolName, round: number): Promise<ToolRound> {
  const destinationBucket = `backup-${tool}-round-${round}`;
  switch (tool) {
    case 'lakehouse-ops':
      return runCopyCore(context, tool, context.copyCoreTuning, destinationBucket, round);
    case 'lakehouse-ops-tuned':
      return runCopyCore(context, tool, context.tunedCopyCoreTuning ?? {}, destinationBucket, round);
    case 'rclone':
      return runRclone(context, destinationBucket, round);
    case 'aws-cli':
      return runAwsCli(context, destinationBucket, round);
  }
}

async function runCopyCore(
  context: CopyComparisonContext,
  tool: ToolName,
  tuning: CopyCoreTuning,
  destinationBucket: string,
  round: number,
): Promise<ToolRound> {
  const { endpoints, clients, sourceBucket } = context;
  await clients.destination.send(new CreateBucketCommand({ Bucket: destinationBucket }));
  const job = {
    sourceUrl: endpoints.source.url,
    destinationUrl: endpoints.destination.url,
    sourceBucket,
    destinationBucket,
    tuning,
  };
  const runCore = () =>
    measured(context, async () => {
      const run = await context.copyCore.run(job);
      const syncRun = { seconds: run.seconds, copied: copiedObjects(run.result), cpuSeconds: run.cpuSeconds };
      return { ...syncRun, run };
    });
  const { run: full, ...fullCopy } = await runCore();
  await expectObjects(context, tool, clients.destination, destinationBucket, dataPrefix(sourceBucket));
  const { run: rerun, ...rerunCopy } = await runCore();
  return {
    tool,
    round,
    fullCopy: expectAllCopied(context, tool, fullCopy),
    fullCopyProcessSeconds: full.processSeconds,
    fullCopyProfile: profileOf(full),
    rerun: expectNothingCopied(tool, rerunCopy),
    rerunProcessSeconds: rerun.processSeconds,
    rerunProfile: profileOf(rerun),
  };
}

function profileOf({ cpuSeconds, maxRssBytes, s3Calls }: CopyCoreRun): CopyCoreProfile {
  return { cpuSeconds, maxRssBytes, s3Calls };
}

async function runRclone(
  context: CopyComparisonContext,
  destinationBucket: string,
  round: number,
): Promise<ToolRound> {
  const { endpoints, clients, sourceBucket } = context;
  await clients.destination.send(new CreateBucketCommand({ Bucket: destinationBucket }));
  const options = {
    source: endpoints.source,
    sourceBucket,
    destination: endpoints.destination,
    destinationBucket,
  };
  const sync = (checksum: boolean) => measured(context, () => rcloneSync({ ...options, checksum }));
  const fullCopy = await sync(false);
  await expectObjects(context, 'rclone', clients.destination, destinationBucket);
  return {
    tool: 'rclone',
    round,
    fullCopy: expectAllCopied(context, 'rclone', fullCopy),
    rerun: expectNothingCopied('rclone', await sync(false)),
    rerunChecksum: expectNothingCopied('rclone --checksum', await sync(true)),
  };
}

/** Bucket to bucket on the source endpoint: the AWS CLI takes only one --endpoint-url. */
async function runAwsCli(
  context: CopyComparisonContext,
  destinationBucket: string,
  round: number,
): Promise<ToolRound> {
  const { endpoints, clients, sourceBucket } = context;
  await clients.source.send(new CreateBucketCommand({ Bucket: destinationBucket }));
  const options = { endpoint: endpoints.source, sourceBucket, destinationBucket };
  const sync = () => measured(context, () => awsS3Sync(options));
  const fullCopy = await sync();
  await expectObjects(context, 'aws-cli', clients.source, destinationBucket);
  return {
    tool: 'aws-cli',
    round,
    fullCopy: expectAllCopied(context, 'aws-cli', fullCopy),
    rerun: expectNothingCopied('aws-cli', await sync()),
  };
}

/** A tool's run with the CPU both endpoints spent meanwhile. */
async function measured<Run extends SyncRun>(
  context: CopyComparisonContext,
  run: () => Promise<Run>,
): Promise<Run & MeasuredSyncRun> {
  const { source, destination } = context.endpoints;
  const { result, serverCpuSeconds } = await serverCpuDuring(
    { source: source.pid, destination: destination.pid },
    run,
  );
  return { ...result, serverCpuSeconds };
}

/** What a complete backupBucket run copied; an incomplete run fails the bench with its failures. */
export function copiedObjects(report: BackupReport): number {
  if (!report.complete || report.failed > 0) {
    throw new Error(
      `backupBucket run ${report.runId} is incomplete (${report.failed} failed): ${JSON.stringify(report.failures.slice(0, 3))}`,
    );
  }
  return report.copied;
}

async function expectObjects(
  context: CopyComparisonContext,
  tool: string,
  s3: S3Client,
  bucket: string,
  prefix?: string,
): Promise<void> {
  const expected = totalObjects(context.dataSet);
  const found = await countObjects(s3, bucket, prefix);
  if (found !== expected) {
    throw new Error(
      `${tool}: expected ${expected} objects in ${bucket}/${prefix ?? ''} after the full copy, found ${found}`,
    );
  }
}

function expectAllCopied<Run extends SyncRun>(context: CopyComparisonContext, tool: string, run: Run): Run {
  const expected = totalObjects(context.dataSet);
  if (run.copied !== expected) {
    throw new Error(`${tool}: the full copy reported ${run.copied} objects copied, expected ${expected}`);
  }
  return run;
}

function expectNothingCopied<Run extends SyncRun>(tool: string, run: Run): Run {
  if (run.copied !== 0)
    throw new Error(`${tool}: the no-change re-run copied ${run.copied} objects, expected 0`);
  return run;
}
