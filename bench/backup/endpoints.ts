/**
 * The two S3 endpoints of the bench: "MinIO" (source) and "S3" (destination), each an s3rver in
 * its own child process (local/lakehouse/s3-endpoint.ts).
 */
import { type S3Endpoint, startS3Endpoint } from '../../local/lakehouse/s3-endpoint.ts';
import { BENCH_CREDENTIALS } from './s3-client.ts';

export interface BenchEndpoints {
  readonly source: S3Endpoint;
  readonly destination: S3Endpoint;
  stop(): Promise<void>;
}

export async function startBenchEndpoints(
  sourceBuckets: readonly string[],
  destinationBuckets: readonly string[],
): Promise<BenchEndpoints> {
  const [source, destination] = await Promise.all([
    startS3Endpoint({ name: 'bench-minio', buckets: sourceBuckets, credentials: BENCH_CREDENTIALS }),
    startS3Endpoint({ name: 'bench-s3', buckets: destinationBuckets, credentials: BENCH_CREDENTIALS }),
  ]);
  return {
    source,
    destination,
    async stop() {
      await Promise.all([source.stop(), destination.stop()]);
    },
  };
}
