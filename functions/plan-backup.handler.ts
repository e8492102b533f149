import { secretsManagerClient } from './commons/aws-clients.ts';
import { asBackupLogger, backupDestination, s3ClientIn } from './commons/backup-clients.ts';
import { planBackupHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { planBackup } from './core/backup/plan.ts';
import { bucketRunSchema } from './core/backup-workflow/bucket-run.ts';
import { publishItemList } from './core/backup-workflow/item-list.ts';

/**
 * backup step 2: the incremental plan of one bucket (new, changed, deleted objects) in batches,
 * and batches.json copied to the work bucket for the CopyBackupBatches ItemReader.
 */
export const handler = createHandler(
  { name: 'plan-backup', environment: planBackupHandlerEnvironment, event: bucketRunSchema },
  async ({ bucket, runId }, { env, logger }) => {
    const source = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    const destination = backupDestination(env);
    const plan = await planBackup(
      { source, ...destination, logger: asBackupLogger(logger) },
      {
        sourceBucket: bucket,
        runId,
        batchSize: env.BACKUP_BATCH_SIZE,
        batchBytes: env.BACKUP_BATCH_BYTES,
        sourceEndpoint: env.MINIO_ENDPOINT,
      },
    );
    const itemList = await publishItemList(
      { s3: destination.destination, bucket: destination.destinationBucket },
      { s3: s3ClientIn(), bucket: env.BACKUP_WORK_BUCKET_NAME },
      plan.batchesKey,
    );
    return { ...plan, itemList };
  },
);
