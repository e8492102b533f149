import { assertBucketName } from '../../backup/layout.ts';

/**
 * Where a MinIO object lives in the replica bucket: `<minio-bucket>/<object-key>`, so that on
 * failover a workload reads the same key under one more path segment and the replica is usable as
 * an object store as it is (docs/dr.md, "Replica layout"). The versioned bucket keeps the history.
 */
export function replicaPrefix(bucket: string): string {
  return `${assertBucketName(bucket, 'replicated bucket')}/`;
}

export function replicaKey(bucket: string, key: string): string {
  return `${replicaPrefix(bucket)}${key}`;
}
