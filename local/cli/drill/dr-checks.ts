import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KubeObject } from '../../kube-sim/index.ts';
import type { LocalDrSide, PlatformService } from '../../lakehouse/dr-side.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import { listKeys, readObject, sha256Of } from './object-store.ts';

/**
 * What the drill's DR scenarios read back to judge a failover and a failback, straight from the
 * endpoints (never through the code under test): objects and their SHA-256 in MinIO and in the
 * replica (`<replica>/<minio-bucket>/<key>`), the listing difference between the two, where the
 * hosted zone's records point, and the primary's workload replicas (which a fence scales to zero).
 */
export interface WrittenObject {
  readonly bucket: string;
  readonly key: string;
  readonly sha256: string;
}

/** Puts `count` objects of distinct content under `prefix` in each bucket, round robin; returns their digests. */
export async function writeDrillObjects(
  s3: S3Client,
  buckets: readonly string[],
  prefix: string,
  count: number,
): Promise<WrittenObject[]> {
  const written: WrittenObject[] = [];
  for (let index = 0; index < count; index += 1) {
    const bucket = buckets[index % buckets.length] as string;
    const key = `${prefix}${String(index).padStart(3, '0')}.json`;
    const body = Buffer.from(
      JSON.stringify({ drill: prefix, index, at: new Date().toISOString(), pad: 'x'.repeat(index * 97) }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    written.push({ bucket, key, sha256: sha256Of(body) });
  }
  return written;
}

/** Problems for each written object that is not at `locate(object)` with the same SHA-256. */
export async function missingOrChanged(
  s3: S3Client,
  objects: readonly WrittenObject[],
  locate: (object: WrittenObject) => { readonly bucket: string; readonly key: string },
  where: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const at = locate(object);
    const found = await readObject(s3, at.bucket, at.key);
    if (!found) problems.push(`${object.bucket}/${object.key} is not in ${where} (${at.bucket}/${at.key})`);
    else if (sha256Of(found.body) !== object.sha256)
      problems.push(
        `${object.bucket}/${object.key} in ${where} has SHA-256 ${sha256Of(found.body)}, expected ${object.sha256}`,
      );
  }
  return problems;
}

/** Where an object of a MinIO bucket lives in the replica (docs/dr.md, "Replica layout"). */
export const inReplica =
  (replicaBucket: string) => (object: { readonly bucket: string; readonly key: string }) => ({
    bucket: replicaBucket,
    key: `${object.bucket}/${object.key}`,
  });

/** Keys only in MinIO or only in the replica, per source bucket: the listing diff failback must empty. */
export async function listingDifferences(
  minio: S3Client,
  dr: S3Client,
  replicaBucket: string,
  buckets: readonly string[],
): Promise<string[]> {
  const differences: string[] = [];
  for (const bucket of buckets) {
    const primaryKeys = new Set(await listKeys(minio, bucket, ''));
    const replicaKeys = new Set(
      (await listKeys(dr, replicaBucket, `${bucket}/`)).map((key) => key.slice(bucket.length + 1)),
    );
    for (const key of primaryKeys)
      if (!replicaKeys.has(key)) differences.push(`${bucket}/${key} only in MinIO`);
    for (const key of replicaKeys)
      if (!primaryKeys.has(key)) differences.push(`${bucket}/${key} only in the replica`);
  }
  return differences;
}

export type RecordSet = 'records' | 'drillRecords';

/** Records of the set that do not point at the side named: `<name> -> <target>, expected <target>`. */
export function recordsNotAt(dr: LocalDrSide, set: RecordSet, side: 'primary' | 'dr'): string[] {
  const targets = side === 'primary' ? dr.dns.primaryTargets : dr.dns.drTargets;
  return (Object.keys(dr.dns[set]) as PlatformService[]).flatMap((service) => {
    const resolved = dr.resolve(dr.dns[set][service]);
    return resolved.target === targets[service]
      ? []
      : [`${resolved.name} points at ${resolved.target}, expected ${targets[service]}`];
  });
}

/** The replicas of every Deployment and StatefulSet of the primary: a fence scales writers to zero. */
export function workloadReplicas(
  lakehouse: Pick<LocalLakehouse, 'kube'>,
): Record<string, number | undefined> {
  const replicas: Record<string, number | undefined> = {};
  for (const kind of ['Deployment', 'StatefulSet']) {
    for (const object of lakehouse.kube.list<KubeObject & { spec?: { replicas?: number } }>(
      'apps/v1',
      kind,
    )) {
      replicas[`${kind} ${object.metadata.namespace}/${object.metadata.name}`] = object.spec?.replicas;
    }
  }
  return replicas;
}
