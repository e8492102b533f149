import { S3Client } from '@aws-sdk/client-s3';

/** Region, key pair and client settings of the bench's s3rver endpoints (no endpoint code here: the copy core's bundled child imports this). */
export const BENCH_REGION = 'us-east-1';
export const BENCH_CREDENTIALS = {
  accessKeyId: 'BENCHBACKUPACCESSKEY',
  secretAccessKey: 'bench-backup-not-a-secret',
} as const;

export function benchS3Client(endpointUrl: string): S3Client {
  return new S3Client({
    endpoint: endpointUrl,
    region: BENCH_REGION,
    credentials: BENCH_CREDENTIALS,
    forcePathStyle: true,
    // Otherwise the SDK frames streamed bodies as aws-chunked, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
