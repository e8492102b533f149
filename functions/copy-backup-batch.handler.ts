import * as z from 'zod/mini';
import { secretsManagerClient } from './commons/aws-clients.ts';
import { asBackupLogger, backupDestination } from './commons/backup-clients.ts';
import { copyBackupBatchHandlerEnvironment } from './commons/environment.ts';
import { BackupBatchIncompleteError } from './commons/errors.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { copyBatch } from './core/backup/copy.ts';

/** One item of batches.json (functions/core/backup/plan.ts BatchDescriptor), as the ItemReader hands it over. */
const batchDescriptorSchema = z.looseObject({
  sourceBucket: z.string(),
  runId: z.string(),
  batchIndex: z.number().check(z.int(), z.gte(0)),
});

/**
 * backup step 3, one Distributed Map item: copies one batch, checksummed. Objects that could not be
 * copied fail the item (after their results are written), so the Map Run counts it against its
 * tolerated failures and FinalizeBackupManifest refuses the incomplete run.
 */
export const handler = createHandler(
  { name: 'copy-backup-batch', environment: copyBackupBatchHandlerEnvironment, event: batchDescriptorSchema },
  async ({ sourceBucket, runId, batchIndex }, { env, logger }) => {
    const source = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    const result = await copyBatch(
      { source, ...backupDestination(env), logger: asBackupLogger(logger) },
      {
        sourceBucket,
        runId,
        batchIndex,
        concurrency: env.BACKUP_COPY_CONCURRENCY,
        multipartThresholdBytes: env.BACKUP_MULTIPART_THRESHOLD_BYTES,
      },
    );
    if (result.failed > 0) {
      throw new BackupBatchIncompleteError(
        `batch ${batchIndex} of ${sourceBucket} run ${runId}: ${result.failed} object(s) not copied, e.g. ${result.failures
          .slice(0, 3)
          .map((failure) => `${failure.key} (${failure.reason})`)
          .join(', ')}`,
        { ...result },
      );
    }
    return result;
  },
);
