import { ByteBudget } from '../core/backup/concurrency.ts';
import type { ReplicationStores } from '../core/dr/replication/object-sync.ts';
import { secretsManagerClient } from './aws-clients.ts';
import { s3ClientIn } from './backup-clients.ts';
import { getMinioClient } from './minio-client.ts';

/** What the replicate and reconcile handlers read from their environment (environment.ts). */
export interface ReplicationStoreVariables {
  MINIO_ENDPOINT: string;
  MINIO_CREDENTIALS_SECRET_ID: string;
  REPLICA_BUCKET_NAME: string;
  REPLICA_BUCKET_REGION: string;
  REPLICATION_MULTIPART_THRESHOLD_BYTES?: number;
}

/**
 * Bytes of whole objects held in memory at once by one invocation's copies (objects below the
 * multipart threshold are read whole to hash them before the PUT): fits a 1 GiB function.
 */
const BUFFER_BYTES = 256 * 1024 * 1024;

/** MinIO (credentials from Secrets Manager) and the replica bucket in the DR region. */
export async function replicationStores(env: ReplicationStoreVariables): Promise<ReplicationStores> {
  const source = await getMinioClient({
    endpoint: env.MINIO_ENDPOINT,
    credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
    secretsManager: secretsManagerClient(),
  });
  return {
    source,
    replica: s3ClientIn(env.REPLICA_BUCKET_REGION),
    replicaBucket: env.REPLICA_BUCKET_NAME,
    buffers: new ByteBudget(BUFFER_BYTES),
    multipartThresholdBytes: env.REPLICATION_MULTIPART_THRESHOLD_BYTES,
  };
}
