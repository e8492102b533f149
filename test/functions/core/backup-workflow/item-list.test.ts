import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../../../functions/commons/errors.ts';
import { publishItemList } from '../../../../functions/core/backup-workflow/item-list.ts';

const KEY = 'runs/raw/20260301T020000Z-0badcafe/batches.json';

describe('publishItemList', () => {
  const dr = new S3Client({ region: 'eu-west-1' });
  const primary = new S3Client({ region: 'eu-central-1' });
  const drMock = mockClient(dr);
  const primaryMock = mockClient(primary);
  // The part of the SDK's streaming body that the code reads.
  const body = (text: string) => ({ transformToString: async () => text }) as never;

  beforeEach(() => {
    drMock.reset();
    primaryMock.reset();
  });

  it('copies batches.json to the same key of the work bucket', async () => {
    const batches = JSON.stringify([
      { sourceBucket: 'raw', runId: 'r', batchIndex: 0, objects: 2, bytes: 9 },
    ]);
    drMock.on(GetObjectCommand).resolves({ Body: body(batches) });
    const published = await publishItemList(
      { s3: dr, bucket: 'backup' },
      { s3: primary, bucket: 'work' },
      KEY,
    );
    expect(published).toEqual({ bucket: 'work', key: KEY, bytes: Buffer.byteLength(batches) });
    expect(drMock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'backup', Key: KEY });
    expect(primaryMock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'work',
      Key: KEY,
      Body: batches,
      ContentType: 'application/json',
    });
  });

  it('refuses a file that is not a JSON array and writes nothing', async () => {
    drMock.on(GetObjectCommand).resolves({ Body: body('{"not":"an array"}') });
    await expect(
      publishItemList({ s3: dr, bucket: 'backup' }, { s3: primary, bucket: 'work' }, KEY),
    ).rejects.toBeInstanceOf(ObjectStoreError);
    expect(primaryMock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
