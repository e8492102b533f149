import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { BackupDependencies } from '../dependencies.ts';
import { BODY_SHA256_METADATA } from '../json-lines.ts';
import { defaultRetryPolicy, withRetries } from '../retry.ts';

/**
 * The checksum a manifest carries (its `manifest-sha256` metadata), or null when it has none.
 * Each verification shard compares it with the plan's: a manifest rewritten between the plan and
 * the shards would otherwise be sampled with the old plan's ranks.
 */
export async function recordedManifestSha256(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  key: string,
): Promise<string | null> {
  const head = await withRetries(
    `HeadObject ${deps.destinationBucket}/${key}`,
    () => deps.destination.send(new HeadObjectCommand({ Bucket: deps.destinationBucket, Key: key })),
    deps.retry ?? defaultRetryPolicy,
  );
  return head.Metadata?.[BODY_SHA256_METADATA] ?? null;
}
