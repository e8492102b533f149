import type { S3Client } from '@aws-sdk/client-s3';
import { dumpKey, dumpPrefix, runIdOfDumpKey } from '../../backup/layout.ts';
import { listObjects } from '../../backup/listing.ts';
import { objectExists } from '../../backup/s3-calls.ts';
import { sidecarKeyFor } from '../../postgres/index.ts';
import { NoPostgresDumpError } from './errors.ts';

export interface PostgresDump {
  readonly bucket: string;
  readonly key: string;
  readonly runId: string;
}

/**
 * The newest complete dump of `database`: the highest run id (run ids sort by time) whose sidecar
 * exists, the sidecar being uploaded last. A dump without one was cut off and is passed over.
 */
export async function newestCompleteDump(
  s3: S3Client,
  bucket: string,
  database: string,
): Promise<PostgresDump> {
  const prefix = dumpPrefix(database);
  const runIds: string[] = [];
  // s3rver lists in directory-walk order, not key order; the run ids are sorted below.
  for await (const object of listObjects(s3, bucket, { prefix, checkOrder: false })) {
    // Only the dumps themselves: a run's sidecar and restore reports share its run id.
    const runId = runIdOfDumpKey(database, object.key);
    if (runId && object.key === dumpKey(database, runId)) runIds.push(runId);
  }
  runIds.sort().reverse();
  for (const runId of runIds) {
    const key = dumpKey(database, runId);
    if (await objectExists(s3, bucket, sidecarKeyFor(key))) return { bucket, key, runId };
  }
  throw new NoPostgresDumpError(
    `s3://${bucket}/${prefix} holds no complete dump of ${database} (${runIds.length} without a sidecar): the backup workflow's DumpPostgres has not completed one`,
    { bucket, prefix, incomplete: runIds.length },
  );
}
