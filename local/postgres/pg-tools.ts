/**
 * The pg-tools image (functions/core/postgres/image.ts) for kube-sim: its Job containers run their
 * own `/bin/sh -c` script on this machine, with Debian's PostgreSQL 15 client and AWS CLI standing
 * in for the image's. What a pod identity webhook would add on EKS (AWS credentials, region) and
 * the local S3 endpoint come from `options`; a value the Job spec sets itself wins.
 */
import { PG_TOOLS_IMAGE } from '../../functions/core/postgres/image.ts';
import { hostCommandExecutor, imageRepository, type JobExecutorRegistry } from '../kube-sim/job-executors.ts';
import {
  AWS_CLI,
  ensureSystemBinaries,
  POSTGRES,
  POSTGRES_BIN_DIRECTORY,
} from '../system/debian-packages.ts';

export interface PgToolsOptions {
  s3: {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    region?: string;
  };
  /** A container still running after this long is killed (default 2 minutes). */
  timeoutMs?: number;
}

/** Directories of the image's tools on this machine; /usr/bin before any other `aws` on the host. */
const TOOLS_PATH = [POSTGRES_BIN_DIRECTORY, '/usr/bin', '/bin'].join(':');

/** The kube-sim `jobExecutors` entry for the pg-tools image. */
export function pgToolsJobExecutors(options: PgToolsOptions): JobExecutorRegistry {
  ensureSystemBinaries([POSTGRES, AWS_CLI]);
  const { s3 } = options;
  return {
    [imageRepository(PG_TOOLS_IMAGE)]: hostCommandExecutor({
      path: TOOLS_PATH,
      timeoutMs: options.timeoutMs ?? 120_000,
      environment: {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_REGION: s3.region ?? 'us-east-1',
        S3_ENDPOINT_URL: s3.endpoint,
        AWS_PAGER: '',
      },
    }),
  };
}
