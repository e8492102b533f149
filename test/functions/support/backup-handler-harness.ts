import type { VerificationPlan } from '../../../functions/core/backup/verify.ts';
import type { AwsSim } from '../../../local/aws-sim/server.ts';
import {
  BACKUP_BUCKET,
  type BackupFixture,
  MINIO_CREDENTIALS,
  type SeedObjects,
  useBackupEndpoints,
} from '../core/backup/support/backup-endpoints.ts';
import { TEST_REGION, useHandlerEnvironment } from './lambda.ts';
import { useAwsSim } from './simulators.ts';

export const WORK_BUCKET = 'lakehouse-ops-test-work';
export const MINIO_SECRET_ID = 'lakehouse/test/minio-credentials';

export interface BackupHandlerHarness extends BackupFixture {
  awsSim(): AwsSim;
}

/**
 * What the object-store handlers of backup, verify-backup and restore meet in production, locally:
 * MinIO (an s3rver whose key pair only the credentials secret holds), the DR-region S3 with the
 * backup bucket and the work bucket (the SDK reaches it through AWS_ENDPOINT_URL_S3, as in the
 * drill), Secrets Manager on aws-sim, and the handler's environment. `variables` adds to it.
 */
export function useBackupHandlerHarness(
  sourceBuckets: string[],
  {
    seed,
    variables = () => ({}),
  }: { seed?: Record<string, SeedObjects>; variables?: () => Record<string, string> } = {},
): BackupHandlerHarness {
  const stores = useBackupEndpoints(sourceBuckets, { destinationBuckets: [WORK_BUCKET], seed });
  const awsSim = useAwsSim(() => ({ secrets: [{ name: MINIO_SECRET_ID, value: MINIO_CREDENTIALS }] }));
  useHandlerEnvironment(() => ({
    MINIO_ENDPOINT: stores.endpoints().source.url,
    MINIO_CREDENTIALS_SECRET_ID: MINIO_SECRET_ID,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: awsSim().url,
    AWS_ENDPOINT_URL_S3: stores.endpoints().destination.url,
    BACKUP_BUCKET_NAME: BACKUP_BUCKET,
    BACKUP_BUCKET_REGION: TEST_REGION,
    ...variables(),
  }));
  return { ...stores, awsSim };
}

/**
 * A verification plan as LoadVerificationPlan returns it for a verified manifest of 40 objects, for
 * the steps that only read the plan (record the verdict, restore the dump); `overrides` changes it.
 */
export function verificationPlan(overrides: Partial<VerificationPlan> = {}): VerificationPlan {
  const runId = overrides.runId ?? '20260301T020000Z-5a5a5a5a';
  const sourceBucket = overrides.sourceBucket ?? 'market-data';
  return {
    sourceBucket,
    runId,
    manifestKey: `manifests/${sourceBucket}/${runId}.jsonl`,
    manifestSha256: 'cd'.repeat(32),
    manifest: { status: 'VERIFIED', detail: 'the manifest matches its recorded SHA-256' },
    seed: runId,
    share: 0.25,
    minimum: 5,
    liveObjects: 40,
    deletedObjects: 0,
    bytes: 4000,
    sampleSize: 10,
    rankThreshold: 0.25,
    newest: { key: 'ticks/0039.json', lastModified: '2026-03-01T01:59:00.000Z' },
    shards: [{ index: 0, count: 1 }],
    postgres: { applicable: false, detail: 'not requested (includePostgres is false)' },
    requestedBy: 'schedule',
    ...overrides,
  };
}
