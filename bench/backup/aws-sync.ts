/**
 * `aws s3 sync` bucket to bucket. The AWS CLI takes a single --endpoint-url, so it cannot read from
 * one S3 endpoint and write to another; both buckets sit on the source endpoint, and the CLI copies
 * with server-side CopyObject (bytes never pass through the client). s3rver does not implement
 * UploadPartCopy, so the multipart threshold is raised above the largest object (a config file in
 * AWS_CONFIG_FILE) to keep every copy a single CopyObject.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Endpoint } from '../../local/lakehouse/s3-endpoint.ts';
import { AWS_CLI } from './peers.ts';
import { BENCH_CREDENTIALS, BENCH_REGION } from './s3-client.ts';
import { countMatches, runTimed, type SyncRun } from './timed-process.ts';

export interface AwsSyncOptions {
  readonly endpoint: S3Endpoint;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
}

const CONFIG = `[default]
region = ${BENCH_REGION}
s3 =
  multipart_threshold = 1GB
`;

export async function awsS3Sync(options: AwsSyncOptions): Promise<SyncRun> {
  const configDirectory = await mkdtemp(join(tmpdir(), 'bench-aws-config-'));
  try {
    const configFile = join(configDirectory, 'config');
    await writeFile(configFile, CONFIG);
    const { AWS_PROFILE: _profile, AWS_CA_BUNDLE: _bundle, ...inherited } = process.env;
    const { seconds, stdout, cpuSeconds } = await runTimed(
      AWS_CLI.command,
      [
        's3',
        'sync',
        `s3://${options.sourceBucket}`,
        `s3://${options.destinationBucket}`,
        '--endpoint-url',
        options.endpoint.url,
        '--no-progress',
      ],
      {
        ...inherited,
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
        AWS_REGION: BENCH_REGION,
        AWS_PAGER: '',
      },
    );
    return { seconds, copied: countMatches(stdout, /^copy: /gm), cpuSeconds };
  } finally {
    await rm(configDirectory, { recursive: true, force: true });
  }
}
