import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ObjectStoreError } from '../../commons/errors.ts';
import { callAws } from '../../commons/transient-errors.ts';

export interface BucketLocation {
  s3: S3Client;
  bucket: string;
}

/**
 * Copies a run's batches.json from the backup bucket (DR region) to the same key in the work
 * bucket (primary region), where the Distributed Map's ItemReader can read it: an ItemReader only
 * reads buckets in the state machine's own region. The file holds batch descriptors (counts, no
 * object keys), so this second copy reveals nothing the backup bucket protects.
 */
export async function publishItemList(
  from: BucketLocation,
  to: BucketLocation,
  key: string,
): Promise<{
  bucket: string;
  key: string;
  bytes: number;
}> {
  const body = await callAws(`s3:GetObject ${from.bucket}/${key}`, async () => {
    const { Body } = await from.s3.send(new GetObjectCommand({ Bucket: from.bucket, Key: key }));
    return (await Body?.transformToString('utf8')) ?? '';
  });
  try {
    if (!Array.isArray(JSON.parse(body))) throw new Error('not a JSON array');
  } catch (error) {
    throw new ObjectStoreError(`${from.bucket}/${key} is not the JSON array of batches the plan writes`, {
      bucket: from.bucket,
      key,
      problem: (error as Error).message,
    });
  }
  await callAws(`s3:PutObject ${to.bucket}/${key}`, () =>
    to.s3.send(
      new PutObjectCommand({ Bucket: to.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    ),
  );
  return { bucket: to.bucket, key, bytes: Buffer.byteLength(body) };
}
