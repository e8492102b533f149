/**
 * `rclone sync` between the two endpoints. Remotes come from environment variables
 * (RCLONE_CONFIG_<NAME>_<OPTION>), so no config file is written. rclone's defaults for
 * parallelism (--transfers 4, --checkers 8) are kept: they are what a user gets, and on this
 * 2-core machine raising them did not help (see bench/README.md).
 */
import type { S3Endpoint } from '../../local/lakehouse/s3-endpoint.ts';
import { RCLONE } from './peers.ts';
import { BENCH_CREDENTIALS, BENCH_REGION } from './s3-client.ts';
import { countMatches, runTimed, type SyncRun } from './timed-process.ts';

export interface RcloneSyncOptions {
  readonly source: S3Endpoint;
  readonly sourceBucket: string;
  readonly destination: S3Endpoint;
  readonly destinationBucket: string;
  /** Compare MD5 (the listed ETag) instead of size + modification time. */
  readonly checksum: boolean;
}

export async function rcloneSync(options: RcloneSyncOptions): Promise<SyncRun> {
  const args = [
    'sync',
    `src:${options.sourceBucket}`,
    `dst:${options.destinationBucket}`,
    // s3rver's delimiter listings miss keys two levels down; one recursive listing avoids them.
    '--fast-list',
    '--stats',
    '0',
    '-v',
    ...(options.checksum ? ['--checksum'] : []),
  ];
  const { seconds, stderr, cpuSeconds } = await runTimed(RCLONE.command, args, rcloneEnvironment(options));
  return { seconds, copied: countMatches(stderr, /: Copied \(/g), cpuSeconds };
}

function rcloneEnvironment({ source, destination }: RcloneSyncOptions): NodeJS.ProcessEnv {
  // rclone reads AWS_CA_BUNDLE even for plain-HTTP endpoints and fails if it points nowhere useful.
  const { AWS_CA_BUNDLE: _ignored, ...inherited } = process.env;
  return {
    ...inherited,
    RCLONE_CONFIG: '/dev/null',
    ...remote('SRC', source.url),
    ...remote('DST', destination.url),
  };
}

function remote(name: string, endpoint: string): Record<string, string> {
  const prefix = `RCLONE_CONFIG_${name}_`;
  return {
    [`${prefix}TYPE`]: 's3',
    [`${prefix}PROVIDER`]: 'Other',
    [`${prefix}ENDPOINT`]: endpoint,
    [`${prefix}REGION`]: BENCH_REGION,
    [`${prefix}ACCESS_KEY_ID`]: BENCH_CREDENTIALS.accessKeyId,
    [`${prefix}SECRET_ACCESS_KEY`]: BENCH_CREDENTIALS.secretAccessKey,
    [`${prefix}FORCE_PATH_STYLE`]: 'true',
  };
}
