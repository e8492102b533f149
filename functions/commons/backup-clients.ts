import type { Logger } from '@aws-lambda-powertools/logger';
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { BackupLogger } from '../core/backup/dependencies.ts';
import { instrumentClient } from './client-instrumentation.ts';

/**
 * The AWS clients of the backup workflow's handlers, created on first use (see aws-clients.ts for
 * why there is no endpoint here: AWS_ENDPOINT_URL_S3 / _DYNAMODB / _BACKUP point them at the local
 * simulators in the drill).
 */
let dynamoDb: DynamoDBClient | undefined;
let backup: BackupClient | undefined;
const s3ByRegion = new Map<string, S3Client>();

export function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= instrumentClient(new DynamoDBClient({}));
  return dynamoDb;
}

export function backupClient(): BackupClient {
  backup ??= instrumentClient(new BackupClient({}));
  return backup;
}

/**
 * S3 in a given region (by default the function's own, AWS_REGION): the backup bucket lives in the DR region while the functions run in the
 * primary one, and S3 wants each request signed for the bucket's region. Checksums only when
 * required, as for MinIO: the backup code computes SHA-256 itself, and the local DR endpoint
 * (s3rver) would otherwise store streamed bodies with their aws-chunked framing.
 */
export function s3ClientIn(region?: string): S3Client {
  const key = region ?? '(the function region)';
  let client = s3ByRegion.get(key);
  if (!client) {
    client = instrumentClient(
      new S3Client({
        region,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    );
    s3ByRegion.set(key, client);
  }
  return client;
}

/** The backup bucket as the handlers' environment names it. */
export interface BackupBucketVariables {
  BACKUP_BUCKET_NAME: string;
  BACKUP_BUCKET_REGION: string;
}

/** The destination half of functions/core/backup's dependencies. */
export function backupDestination(env: BackupBucketVariables): {
  destination: S3Client;
  destinationBucket: string;
} {
  return { destination: s3ClientIn(env.BACKUP_BUCKET_REGION), destinationBucket: env.BACKUP_BUCKET_NAME };
}

/**
 * Powertools' Logger as functions/core/backup's BackupLogger: the core types its extra arguments
 * as `object`, Powertools as attribute records; every object it passes is one.
 */
export function asBackupLogger(logger: Logger): BackupLogger {
  return {
    info: (message, ...extra) => logger.info(message, ...(extra as Record<string, unknown>[])),
    warn: (message, ...extra) => logger.warn(message, ...(extra as Record<string, unknown>[])),
  };
}
