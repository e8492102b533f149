import type { S3Client } from '@aws-sdk/client-s3';
import { isRunId } from '../../backup/layout.ts';
import { listObjects } from '../../backup/listing.ts';
import { objectExists } from '../../backup/s3-calls.ts';
import { sidecarKeyFor } from '../../postgres/index.ts';
import { NoPostgresDumpError } from './errors.ts';

export interface PostgresDump {
  readonly bucket: string;
  readonly key: string;
  readonly runId: string;
}

const DUMP_SUFFIX = '.dump';

/** Where the backup workflow's DumpPostgres writes a database's dumps (docs/backup.md). */
export function dumpPrefix(database: string): string {
  return `postgres/${database}/`;
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
    const name = object.key.slice(prefix.length);
    if (!name.endsWith(DUMP_SUFFIX)) continue;
    const runId = name.slice(0, -DUMP_SUFFIX.length);
    if (isRunId(runId)) runIds.push(runId);
  }
  runIds.sort().reverse();
  for (const runId of runIds) {
    const key = `${prefix}${runId}${DUMP_SUFFIX}`;
    if (await objectExists(s3, bucket, sidecarKeyFor(key))) return { bucket, key, runId };
  }
  throw new NoPostgresDumpError(
    `s3://${bucket}/${prefix} holds no complete dump of ${database} (${runIds.length} without a sidecar): the backup workflow's DumpPostgres has not completed one`,
    { bucket, prefix, incomplete: runIds.length },
  );
}
