import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { BackupDependencies } from '../dependencies.ts';
import { normaliseEtag } from '../layout.ts';
import type { ManifestEntry } from '../manifest.ts';
import { defaultRetryPolicy, withRetries } from '../retry.ts';
import { isNotFound } from '../s3-calls.ts';
import { hashObject } from '../verify/object-hash.ts';

/**
 * What the restore target (MinIO, the `source` client) holds under an entry's key: nothing, the
 * same content (skip it), or something else (a conflict the restore must not overwrite).
 */
export type TargetState = { kind: 'missing' } | { kind: 'same' } | { kind: 'different'; reason: string };

export async function targetStateOf(
  deps: Pick<BackupDependencies, 'source' | 'retry'>,
  targetBucket: string,
  entry: ManifestEntry,
): Promise<TargetState> {
  const retry = deps.retry ?? defaultRetryPolicy;
  let head: { ContentLength?: number; ETag?: string; Metadata?: Record<string, string> };
  try {
    head = await withRetries(
      `HeadObject ${targetBucket}/${entry.key}`,
      () => deps.source.send(new HeadObjectCommand({ Bucket: targetBucket, Key: entry.key })),
      retry,
    );
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
  if (head.ContentLength !== entry.size) {
    return { kind: 'different', reason: `holds ${head.ContentLength} bytes, the backup ${entry.size}` };
  }
  // A restored copy carries its sha256; an untouched original still has the ETag the backup saw.
  if (head.Metadata?.sha256 === entry.sha256) return { kind: 'same' };
  if (head.ETag && normaliseEtag(head.ETag) === entry.etag) return { kind: 'same' };
  const digest = await hashObject(deps.source, targetBucket, entry.key, retry);
  if (!digest) return { kind: 'missing' };
  return digest.sha256 === entry.sha256
    ? { kind: 'same' }
    : {
        kind: 'different',
        reason: `holds other content (SHA-256 ${digest.sha256}, the backup ${entry.sha256})`,
      };
}
