import {
  CreateBucketCommand,
  type Event,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  type QueueConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { callAws, classifyAwsError, httpStatusOf } from '../../commons/transient-errors.ts';
import { type MinioStorageTiering, NO_STORAGE_TIERING, tieringRules } from '../cost/storage-tiering.ts';

/**
 * The lakehouse's MinIO buckets, each with its settings: the data buckets (the backup's source
 * buckets) versioned, with noncurrent versions and abandoned multipart uploads expiring, and event
 * notifications to the configured MinIO target; the validation probe bucket unversioned, its
 * leftovers expiring after a day. Each setting is read first and written only when it differs, so
 * a second run changes nothing. An endpoint that answers NotImplemented for a setting (s3rver in
 * the local lakehouse implements none of the three) gets it reported as unsupported, not failed:
 * the bucket itself still works, and the report says what is missing.
 */
export interface BucketSpec {
  readonly name: string;
  readonly versioning: boolean;
  readonly lifecycle: LifecycleRule[];
  /** MinIO notification target ARN (`arn:minio:sqs::<id>:webhook`); none: no notifications. */
  readonly notificationTarget?: string;
}

export type SettingOutcome = 'set' | 'unchanged' | 'unsupported' | 'not configured';

export interface BucketChange {
  readonly bucket: string;
  readonly action: 'created' | 'changed' | 'unchanged';
  readonly versioning: SettingOutcome;
  readonly lifecycle: SettingOutcome;
  readonly notifications: SettingOutcome;
}

/** Versions a data bucket keeps after they stop being current: the backup copies them before that. */
export const NONCURRENT_VERSION_DAYS = 30;
const ABANDONED_UPLOAD_DAYS = 7;
const PROBE_LEFTOVER_DAYS = 1;
export const NOTIFIED_EVENTS: Event[] = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];

export interface LakehouseBucketNames {
  /** The data buckets (the backup's source buckets, infra/config backup.sourceBuckets). */
  readonly dataBuckets: readonly string[];
  /** validate-platform's probe bucket (the platform layout's minio.probeBucket). */
  readonly probeBucket: string;
  readonly notificationTarget?: string;
  /** Expiring scratch prefixes and tier transitions of the data buckets (functions/core/cost/storage-tiering.ts). */
  readonly tiering?: MinioStorageTiering;
}

export function lakehouseBuckets({
  dataBuckets,
  probeBucket,
  notificationTarget,
  tiering = NO_STORAGE_TIERING,
}: LakehouseBucketNames): BucketSpec[] {
  const data = dataBuckets.map((name) => ({
    name,
    versioning: true,
    lifecycle: [
      {
        ID: 'expire-noncurrent-versions',
        Status: 'Enabled' as const,
        Filter: { Prefix: '' },
        NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABANDONED_UPLOAD_DAYS },
      },
      ...tieringRules(tiering, name),
    ],
    ...(notificationTarget ? { notificationTarget } : {}),
  }));
  const probe = {
    name: probeBucket,
    versioning: false,
    lifecycle: [
      {
        ID: 'expire-probe-leftovers',
        Status: 'Enabled' as const,
        Filter: { Prefix: '' },
        Expiration: { Days: PROBE_LEFTOVER_DAYS },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: PROBE_LEFTOVER_DAYS },
      },
    ],
  };
  return [...data, probe];
}

class Unsupported {}

/** The call's result, or Unsupported when the endpoint does not implement the operation (501). */
async function unlessUnsupported<Result>(
  operation: string,
  call: () => Promise<Result>,
): Promise<Result | Unsupported> {
  try {
    return await call();
  } catch (error) {
    // Before classification: a 501 is a permanent answer, not a server error worth a retry.
    if ((error as Error).name === 'NotImplemented' || httpStatusOf(error) === 501) return new Unsupported();
    throw classifyAwsError(error, operation);
  }
}

function missing(names: readonly string[]) {
  return (error: unknown) => {
    if (names.includes((error as Error).name)) return undefined;
    throw error;
  };
}

/** Reads a setting, compares it with the wanted one, writes it when it differs (and not in a dry run). */
async function reconcile<Current>(
  read: () => Promise<Current | undefined | Unsupported>,
  matches: (current: Current | undefined) => boolean,
  write: () => Promise<unknown>,
  dryRun: boolean,
): Promise<SettingOutcome> {
  const current = await read();
  if (current instanceof Unsupported) return 'unsupported';
  if (matches(current)) return 'unchanged';
  if (dryRun) return 'set';
  const written = await write();
  return written instanceof Unsupported ? 'unsupported' : 'set';
}

function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/** What of a rule we set, in a fixed order, so a read-back compares equal to what was written. */
function normalizedRules(rules: readonly LifecycleRule[] | undefined) {
  return (rules ?? [])
    .map((rule) => ({
      ID: rule.ID,
      Status: rule.Status,
      Prefix: rule.Filter?.Prefix ?? rule.Prefix ?? '',
      Expiration: rule.Expiration?.Days,
      Noncurrent: rule.NoncurrentVersionExpiration?.NoncurrentDays,
      Abort: rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
      Transitions: (rule.Transitions ?? []).map(
        (transition) => `${transition.Days}:${transition.StorageClass}`,
      ),
    }))
    .sort((a, b) => String(a.ID).localeCompare(String(b.ID)));
}

function normalizedQueues(queues: readonly QueueConfiguration[] | undefined) {
  return (queues ?? [])
    .map((queue) => ({ arn: queue.QueueArn, events: [...(queue.Events ?? [])].sort() }))
    .sort((a, b) => String(a.arn).localeCompare(String(b.arn)));
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  return callAws(`s3:HeadBucket ${bucket}`, async () => {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'NotFound' || httpStatusOf(error) === 404) return false;
      throw error;
    }
  });
}

async function ensureBucket(s3: S3Client, spec: BucketSpec, dryRun: boolean): Promise<BucketChange> {
  const Bucket = spec.name;
  const exists = await bucketExists(s3, Bucket);
  if (!exists && !dryRun) {
    await callAws(`s3:CreateBucket ${Bucket}`, () => s3.send(new CreateBucketCommand({ Bucket })));
  }
  // A bucket that does not exist yet (dry run) has none of its settings: each would be set.
  const read = <Current>(operation: string, call: () => Promise<Current>) =>
    exists ? () => unlessUnsupported(`${operation} ${Bucket}`, call) : async () => undefined;
  const versioning = spec.versioning
    ? await reconcile(
        read('s3:GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({ Bucket }))),
        (current) => current?.Status === 'Enabled',
        () =>
          unlessUnsupported(`s3:PutBucketVersioning ${Bucket}`, () =>
            s3.send(
              new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
            ),
          ),
        dryRun,
      )
    : 'not configured';
  const lifecycle = await reconcile(
    read('s3:GetBucketLifecycleConfiguration', () =>
      s3
        .send(new GetBucketLifecycleConfigurationCommand({ Bucket }))
        .catch(missing(['NoSuchLifecycleConfiguration'])),
    ),
    (current) => sameJson(normalizedRules(current?.Rules), normalizedRules(spec.lifecycle)),
    () =>
      unlessUnsupported(`s3:PutBucketLifecycleConfiguration ${Bucket}`, () =>
        s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket,
            LifecycleConfiguration: { Rules: spec.lifecycle },
          }),
        ),
      ),
    dryRun,
  );
  const queues: QueueConfiguration[] = spec.notificationTarget
    ? [{ Id: 'lakehouse-ops-events', QueueArn: spec.notificationTarget, Events: NOTIFIED_EVENTS }]
    : [];
  const notifications = spec.notificationTarget
    ? await reconcile(
        read('s3:GetBucketNotificationConfiguration', () =>
          s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })),
        ),
        (current) => sameJson(normalizedQueues(current?.QueueConfigurations), normalizedQueues(queues)),
        () =>
          unlessUnsupported(`s3:PutBucketNotificationConfiguration ${Bucket}`, () =>
            s3.send(
              new PutBucketNotificationConfigurationCommand({
                Bucket,
                NotificationConfiguration: { QueueConfigurations: queues },
              }),
            ),
          ),
        dryRun,
      )
    : 'not configured';
  const settings = [versioning, lifecycle, notifications];
  const action = !exists ? 'created' : settings.includes('set') ? 'changed' : 'unchanged';
  return { bucket: Bucket, action, versioning, lifecycle, notifications };
}

/** Creates and configures each bucket in turn (or, in a dry run, says what it would do). */
export async function ensureBuckets(
  s3: S3Client,
  specs: readonly BucketSpec[],
  dryRun: boolean,
): Promise<BucketChange[]> {
  const changes: BucketChange[] = [];
  for (const spec of specs) changes.push(await ensureBucket(s3, spec, dryRun));
  return changes;
}
