import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import {
  corruptBackupCopy,
  deleteMinioPrefix,
  differencesFrom,
} from '../../../../local/cli/drill/backup-fixtures.ts';
import {
  type BackupBucketAccess,
  backupBucketClientOf,
  listKeys,
  type MinioAccess,
  minioClientOf,
  readObject,
  readPrefix,
  type StoredObject,
  sha256Of,
  withClient,
  writeObject,
} from '../../../../local/cli/drill/object-store.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../../local/lakehouse/s3-endpoint.ts';

// A MinIO and a DR S3 endpoint as the local lakehouse runs them, with one backup of the source
// taken by the backup core, so the fixtures work on a real manifest and real content-addressed copies.
const SOURCE = 'market-data';
const BACKUP = 'drill-backup';
const PREFIX = 'trades/exchange=kraken/';
const REGION = 'eu-central-1';
const MINIO_CREDENTIALS = { accessKeyId: 'minio-drill-test', secretAccessKey: 'minio-drill-test-secret' };
const AWS_CREDENTIALS = { accessKeyId: 'AKIADRILLTEST0000000', secretAccessKey: 'drill-test-secret' };
const SEED: Record<string, Buffer> = {
  [`${PREFIX}date=2025-01-13/part-0000.parquet`]: Buffer.from('PAR1 kraken 13 PAR1'),
  [`${PREFIX}date=2025-01-14/part-0000.parquet`]: Buffer.from('PAR1 kraken 14, a little longer PAR1'),
  'trades/exchange=binance/date=2025-01-13/part-0000.parquet': Buffer.from('PAR1 binance 13 PAR1'),
};
const CORRUPTED = `${PREFIX}date=2025-01-14/part-0000.parquet`;

const stored = (key: string, body: string): StoredObject => ({ key, body: Buffer.from(body), metadata: {} });

describe('backup fixtures', () => {
  let minio: S3Endpoint;
  let drS3: S3Endpoint;
  let minioAccess: MinioAccess;
  let backupAccess: BackupBucketAccess;

  beforeAll(async () => {
    [minio, drS3] = await Promise.all([
      startS3Endpoint({ name: 'drill-minio', buckets: [SOURCE], credentials: MINIO_CREDENTIALS }),
      startS3Endpoint({ name: 'drill-dr-s3', buckets: [BACKUP], credentials: AWS_CREDENTIALS }),
    ]);
    minioAccess = { endpoints: { minio: minio.url }, region: REGION, s3Credentials: MINIO_CREDENTIALS };
    backupAccess = {
      environment: {
        AWS_ENDPOINT_URL_S3: drS3.url,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: AWS_CREDENTIALS.secretAccessKey,
      },
      backup: { bucketName: BACKUP },
    };
    const source = minioClientOf(minioAccess);
    const destination = backupBucketClientOf(backupAccess);
    try {
      for (const [key, body] of Object.entries(SEED)) {
        await source.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));
      }
      const report = await backupBucket(
        { source, destination, destinationBucket: BACKUP },
        { sourceBucket: SOURCE },
      );
      expect(report.complete).toBe(true);
    } finally {
      source.destroy();
      destination.destroy();
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([minio?.stop(), drS3?.stop()]);
  });

  const readCopy = (key: string) =>
    withClient(backupBucketClientOf(backupAccess), (s3) => readObject(s3, BACKUP, key));
  const readMinioPrefix = () =>
    withClient(minioClientOf(minioAccess), (s3) => readPrefix(s3, SOURCE, PREFIX));

  describe('corruptBackupCopy', () => {
    it('flips one bit of the copy the newest manifest names, keeping its size and sha256 metadata, until repaired', async () => {
      const corrupted = await corruptBackupCopy(backupAccess, SOURCE, CORRUPTED);
      const original = SEED[CORRUPTED]!;
      expect(corrupted.destKey).toMatch(new RegExp(`^data/${SOURCE}/${CORRUPTED}/[0-9a-f]{32}$`));
      expect(corrupted.recordedSha256).toBe(sha256Of(original));

      const rotten = await readCopy(corrupted.destKey);
      expect(rotten?.body.length).toBe(original.length);
      expect(rotten?.metadata.sha256).toBe(sha256Of(original));
      expect(sha256Of(rotten?.body ?? Buffer.alloc(0))).toBe(corrupted.corruptedSha256);
      expect(corrupted.corruptedSha256).not.toBe(corrupted.recordedSha256);
      const differingBytes = [...original].filter((byte, index) => rotten?.body[index] !== byte);
      expect(differingBytes).toHaveLength(1);

      await corrupted.repair();
      expect((await readCopy(corrupted.destKey))?.body.equals(original)).toBe(true);
    });

    it('refuses a key that the newest manifest does not hold live', async () => {
      await expect(corruptBackupCopy(backupAccess, SOURCE, `${PREFIX}missing.parquet`)).rejects.toThrow(
        /holds no live object trades\/exchange=kraken\/missing\.parquet/,
      );
    });

    it('refuses a bucket that was never backed up', async () => {
      await expect(corruptBackupCopy(backupAccess, 'lakehouse', CORRUPTED)).rejects.toThrow(
        /lakehouse has no complete backup yet/,
      );
    });
  });

  describe('deleteMinioPrefix', () => {
    it('deletes every object under the prefix after reading it, and repair puts back only what is missing or different', async () => {
      const deleted = await deleteMinioPrefix(minioAccess, SOURCE, PREFIX);
      expect(deleted.objects.map((object) => object.key).sort()).toEqual(
        Object.keys(SEED)
          .filter((key) => key.startsWith(PREFIX))
          .sort(),
      );
      expect(await withClient(minioClientOf(minioAccess), (s3) => listKeys(s3, SOURCE, PREFIX))).toEqual([]);

      // Half a restore: one object back as it was, one with other bytes.
      const [first, second] = deleted.objects;
      await withClient(minioClientOf(minioAccess), async (s3) => {
        await writeObject(s3, SOURCE, first!);
        await writeObject(s3, SOURCE, { ...second!, body: Buffer.from('not what was there') });
      });
      expect(differencesFrom(deleted.objects, await readMinioPrefix())).toEqual([
        `${second!.key} differs: 18 bytes with SHA-256 ${sha256Of(Buffer.from('not what was there'))}, before the deletion ${second!.body.length} bytes with SHA-256 ${sha256Of(second!.body)}`,
      ]);

      await deleted.repair();
      expect(differencesFrom(deleted.objects, await readMinioPrefix())).toEqual([]);
    });

    it('refuses a prefix with nothing under it', async () => {
      await expect(deleteMinioPrefix(minioAccess, SOURCE, 'nothing/here/')).rejects.toThrow(
        /market-data\/nothing\/here\/ holds no objects/,
      );
    });
  });
});

describe('differencesFrom', () => {
  it('names missing, different and extra keys, and nothing when every object is identical', () => {
    const before = [stored('a', 'one'), stored('b', 'two'), stored('c', 'three')];
    expect(differencesFrom(before, before)).toEqual([]);
    expect(differencesFrom(before, [stored('a', 'one'), stored('b', 'TWO'), stored('d', 'four')])).toEqual([
      `b differs: 3 bytes with SHA-256 ${sha256Of(Buffer.from('TWO'))}, before the deletion 3 bytes with SHA-256 ${sha256Of(Buffer.from('two'))}`,
      'c is missing',
      'd was not there before the deletion',
    ]);
  });
});
