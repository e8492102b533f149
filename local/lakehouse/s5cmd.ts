import { type S5cmdJobExecutors, s5cmdJobExecutors } from '../s5cmd/s5cmd-executor.ts';
import { AWS_CLI, missingBinaries } from '../system/debian-packages.ts';

/**
 * The s5cmd Job executor of the local lakehouse, against its MinIO. Only when the AWS CLI (what
 * the s5cmd stand-in runs) is installed: without it the lakehouse runs as before, an s5cmd Job
 * completes without doing anything, and capabilities.s5cmd says so.
 */
export async function startLakehouseS5cmd(minio: {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}): Promise<S5cmdJobExecutors | undefined> {
  if (missingBinaries([AWS_CLI]).length > 0) return undefined;
  return s5cmdJobExecutors({ minio });
}
