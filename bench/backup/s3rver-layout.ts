/**
 * Seeds a bucket by writing s3rver 3.7's on-disk layout directly, for the 100,000-object memory
 * runs: s3rver takes PUTs at a few hundred per second from one client, so seeding through the API
 * would cost minutes per run, where files take seconds. The layout (node_modules/s3rver/lib/stores/
 * filesystem.js) is, per object key `a/b/c`:
 *
 *   <directory>/<bucket>/a/b/c._S3rver_object          the bytes
 *   <directory>/<bucket>/a/b/c._S3rver_object.md5      hex MD5 (the ETag)
 *   <directory>/<bucket>/a/b/c._S3rver_metadata.json   stored headers (content-type, x-amz-meta-*)
 *
 * s3rver reads this tree on every request, so objects written here while it runs are served at
 * once; the bench checks the count through ListObjectsV2 afterwards (see countObjects).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mapConcurrent } from '../../functions/core/backup/concurrency.ts';
import { type DataSet, objectContent, objectsOf, type SeedReport, totalBytes } from './dataset.ts';

const METADATA = JSON.stringify({ 'content-type': 'application/octet-stream' });

export async function seedOnDisk(
  endpointDirectory: string,
  bucket: string,
  dataSet: DataSet,
  concurrency = 64,
): Promise<SeedReport> {
  const started = performance.now();
  const directories = new Map<string, Promise<unknown>>();
  let objects = 0;
  await mapConcurrent([...objectsOf(dataSet)], concurrency, async ({ key, size }) => {
    const base = join(endpointDirectory, bucket, key);
    const directory = dirname(base);
    let created = directories.get(directory);
    if (!created) {
      created = mkdir(directory, { recursive: true });
      directories.set(directory, created);
    }
    await created;
    const content = objectContent(key, size);
    await Promise.all([
      writeFile(`${base}._S3rver_object`, content),
      writeFile(`${base}._S3rver_object.md5`, createHash('md5').update(content).digest('hex')),
      writeFile(`${base}._S3rver_metadata.json`, METADATA),
    ]);
    objects++;
  });
  return { objects, bytes: totalBytes(dataSet), seconds: (performance.now() - started) / 1000 };
}

/** Objects the endpoint lists in the bucket (proves the endpoint serves what was written). */
export async function countObjects(s3: S3Client, bucket: string, prefix?: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}
