import { secretsManagerClient } from './commons/aws-clients.ts';
import { asBackupLogger, backupDestination, s3ClientIn } from './commons/backup-clients.ts';
import { planBackupHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { planBackup } from './core/backup/plan.ts';
import { bucketRunSchema, completedDump } from './core/backup-workflow/bucket-run.ts';
import { publishItemList } from './core/backup-workflow/item-list.ts';

/**
 * backup step 2: the incremental plan of one bucket (new, changed, deleted objects) in batches,
 * and batches.json copied to the work bucket for the CopyBackupBatches ItemReader. When nothing
 * needs copying the plan commits the manifest itself (with the run's dump in its header).
 */
export const handler = createHandler(
  { name: 'plan-backup', environment: planBackupHandlerEnvironment, event: bucketRunSchema },
  async (run, { env, logger }) => {
    const source = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    const destination = backupDestination(env);
    const plan = await planBackup(
      { source, ...destination, logger: asBackupLogger(logger) },
      {
        sourceBucket: run.bucket,
        runId: run.runId,
        batchSize: env.BACKUP_BATCH_SIZE,
        batchBytes: env.BACKUP_BATCH_BYTES,
        sourceEndpoint: env.MINIO_ENDPOINT,
        dryRun: run.dryRun ?? false,
        postgres: completedDump(run),
        deletedRetentionDays: env.BACKUP_RETENTION_DAYS,
      },
    );
    // Only a run with batches to copy has a batches.json for the CopyBackupBatches ItemReader.
    const itemList =
      plan.dryRun || plan.manifest
        ? null
        : await publishItemList(
            { s3: destination.destination, bucket: destination.destinationBucket },
            { s3: s3ClientIn(), bucket: env.BACKUP_WORK_BUCKET_NAME },
            plan.batchesKey,
          );
    return { ...plan, itemList };
  },
);
