import type { Logger } from '@aws-lambda-powertools/logger';
import { secretsManagerClient } from '../../../commons/aws-clients.ts';
import { asBackupLogger, backupDestination } from '../../../commons/backup-clients.ts';
import { getMinioClient } from '../../../commons/minio-client.ts';
import type { BackupDependencies } from '../dependencies.ts';

/** The restore handlers' dependencies: MinIO as `source` (the target), the backup bucket to read. */
export async function restoreDependencies(
  env: {
    MINIO_ENDPOINT: string;
    MINIO_CREDENTIALS_SECRET_ID: string;
    BACKUP_BUCKET_NAME: string;
    BACKUP_BUCKET_REGION: string;
  },
  logger: Logger,
): Promise<BackupDependencies> {
  const source = await getMinioClient({
    endpoint: env.MINIO_ENDPOINT,
    credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
    secretsManager: secretsManagerClient(),
  });
  return { source, ...backupDestination(env), logger: asBackupLogger(logger) };
}
