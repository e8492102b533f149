/**
 * The bench's data sets, deterministic so every run copies the same bytes: content is AES-128-CTR
 * keystream keyed by the object's key (incompressible, reproducible, ~1 GB/s to generate).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../functions/core/backup/concurrency.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

export interface ObjectGroup {
  /** Key prefix; keys are `<prefix><index padded>.bin`. */
  readonly prefix: string;
  readonly count: number;
  readonly size: number;
}

export interface DataSet {
  readonly name: string;
  readonly groups: readonly ObjectGroup[];
}

/** Issue 3's data set: many small files as written by ingestion, plus a few large Parquet files. */
export const COPY_DATA_SET: DataSet = {
  name: '2,000 x 64 KiB + 20 x 20 MiB',
  groups: [
    { prefix: 'trades/small/part-', count: 2_000, size: 64 * KIB },
    { prefix: 'trades/large/part-', count: 20, size: 20 * MIB },
  ],
};

/**
 * The memory data sets: many 1 KiB objects, 1,000 per "directory". s3rver lists by walking its
 * directory tree and skips whole directories before the continuation point, so partitioned keys
 * keep each page cheap (a flat 100,000-key directory makes every page re-read all of it).
 */
export function manySmallObjects(count: number): DataSet {
  const perPartition = 1_000;
  const groups: ObjectGroup[] = [];
  for (let start = 0; start < count; start += perPartition) {
    const partition = String(start / perPartition).padStart(4, '0');
    groups.push({
      prefix: `ticks/partition=${partition}/part-`,
      count: Math.min(perPartition, count - start),
      size: KIB,
    });
  }
  return { name: `${count.toLocaleString('en-US')} x 1 KiB`, groups };
}

export interface DataSetObject {
  readonly key: string;
  readonly size: number;
}

export function* objectsOf(dataSet: DataSet): Generator<DataSetObject> {
  for (const group of dataSet.groups) {
    for (let index = 0; index < group.count; index++) {
      yield { key: `${group.prefix}${String(index).padStart(6, '0')}.bin`, size: group.size };
    }
  }
}

export function totalBytes(dataSet: DataSet): number {
  return dataSet.groups.reduce((sum, group) => sum + group.count * group.size, 0);
}

export function totalObjects(dataSet: DataSet): number {
  return dataSet.groups.reduce((sum, group) => sum + group.count, 0);
}

export function objectContent(key: string, size: number): Buffer {
  const keyMaterial = createHash('sha256').update(key).digest();
  const cipher = createCipheriv('aes-128-ctr', keyMaterial.subarray(0, 16), keyMaterial.subarray(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export interface SeedReport {
  readonly objects: number;
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * PUTs every object of the data set with bounded parallelism. Large objects get their own, lower
 * limit so that at most a few tens of MiB of bodies are in memory at once.
 */
export async function seedThroughApi(
  s3: S3Client,
  bucket: string,
  dataSet: DataSet,
  { concurrency = 32, largeObjectBytes = 8 * MIB, largeConcurrency = 4 } = {},
): Promise<SeedReport> {
  const started = performance.now();
  const objects = [...objectsOf(dataSet)];
  const put = async ({ key, size }: DataSetObject): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: objectContent(key, size) }));
  };
  await Promise.all([
    mapConcurrent(
      objects.filter((object) => object.size < largeObjectBytes),
      concurrency,
      put,
    ),
    mapConcurrent(
      objects.filter((object) => object.size >= largeObjectBytes),
      largeConcurrency,
      put,
    ),
  ]);
  return {
    objects: objects.length,
    bytes: totalBytes(dataSet),
    seconds: (performance.now() - started) / 1000,
  };
}
