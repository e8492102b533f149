import { secretsManagerClient } from './commons/aws-clients.ts';
import { minioBucketsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { parseStorageTiering } from './core/cost/storage-tiering.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { ensureBuckets, lakehouseBuckets } from './core/provision/buckets.ts';
import { provisionEnvironmentFrom } from './core/provision/settings.ts';
import { dryRunEventSchema } from './core/provision/steps.ts';

/** provision: the lakehouse's MinIO buckets with versioning, lifecycle rules and event notifications. */
export const handler = createHandler(
  { name: 'ensure-minio-buckets', environment: minioBucketsHandlerEnvironment, event: dryRunEventSchema },
  async ({ dryRun }, { env }) => {
    const s3 = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    const buckets = lakehouseBuckets({
      dataBuckets: provisionEnvironmentFrom(env.PROVISION_ENVIRONMENT).backup.sourceBuckets,
      probeBucket: parsePlatformLayout(env.PLATFORM_LAYOUT).minio.probeBucket,
      notificationTarget: env.MINIO_NOTIFICATION_TARGET_ARN,
      tiering: parseStorageTiering(env.MINIO_STORAGE_TIERING),
    });
    return ensureBuckets(s3, buckets, dryRun);
  },
);
