/**
 * Child-process entry: one `backupBucket` run (plan + every batch + finalize, in-process), in a
 * fresh Node process like the peers' runs, so its peak RSS is the copy core's alone.
 *
 *   tsx copy-core-child.ts '<CopyCoreJob as JSON>'   -> one JSON line on stdout (CopyCoreReport)
 */
import {
  type BackupBucketOptions,
  type BackupReport,
  backupBucket,
} from '../../functions/core/backup/backup-bucket.ts';
import { profileS3Calls, type S3CallProfile } from './s3-call-profile.ts';
import { benchS3Client } from './s3-client.ts';

export interface CopyCoreJob {
  readonly sourceUrl: string;
  readonly destinationUrl: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  /** Passed through to backupBucket: batch size, concurrency, multipart threshold... */
  readonly tuning: CopyCoreTuning;
}

export type CopyCoreTuning = Omit<BackupBucketOptions, 'sourceBucket' | 'runId'>;

export interface CopyCoreReport {
  /** backupBucket's own duration, without Node start-up and module loading. */
  readonly seconds: number;
  /** Peak resident set size of the process (getrusage ru_maxrss, as /proc VmHWM). */
  readonly maxRssBytes: number;
  /** Resident set size just before the run: Node, the AWS SDK and the core, loaded and idle. */
  readonly idleRssBytes: number;
  /** User + system CPU time of the run: near `seconds` means the process itself is the bottleneck. */
  readonly cpuSeconds: number;
  readonly s3Calls: S3CallProfile;
  readonly result: BackupReport;
}

const [jobJson] = process.argv.slice(2);
if (!jobJson) throw new Error("usage: copy-core-child.ts '<CopyCoreJob JSON>'");
const job = JSON.parse(jobJson) as CopyCoreJob;

const source = benchS3Client(job.sourceUrl);
const destination = benchS3Client(job.destinationUrl);
const s3Calls = profileS3Calls({ source, destination });
const idleRssBytes = process.memoryUsage.rss();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await backupBucket(
  { source, destination, destinationBucket: job.destinationBucket, objectTransport: s3Calls.objectTransport },
  { sourceBucket: job.sourceBucket, ...job.tuning },
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const report: CopyCoreReport = {
  seconds,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  idleRssBytes,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  s3Calls: s3Calls.profile(),
  result,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
source.destroy();
destination.destroy();
