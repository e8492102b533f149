import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EmptyBackupError,
  ManifestNotFoundError,
  UnknownBucketError,
} from '../../../../functions/commons/errors.ts';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { BODY_SHA256_METADATA } from '../../../../functions/core/backup/json-lines.ts';
import { manifestKey } from '../../../../functions/core/backup/layout.ts';
import { readManifest } from '../../../../functions/core/backup/manifest.ts';
import {
  loadVerificationPlan,
  verifyBackup,
  verifySample,
} from '../../../../functions/core/backup/verify.ts';
import {
  type VerifyBackupInput,
  verifyBackupRequestSchema,
} from '../../../../functions/core/backup/verify-request.ts';
import { rejectionOf } from '../../support/rejection.ts';
import { BACKUP_BUCKET, collect, putObjects, useBackupEndpoints } from './support/backup-endpoints.ts';

const bucket = 'verified-src';
const emptyBucket = 'empty-src';

function request(input: Omit<VerifyBackupInput, 'sourceBucket'> & { sourceBucket?: string } = {}) {
  return verifyBackupRequestSchema.parse({ sourceBucket: bucket, ...input });
}

describe('verifyBackup', () => {
  const stores = useBackupEndpoints([bucket, emptyBucket]);
  let deps: BackupDependencies;
  let runId: string;

  beforeAll(async () => {
    deps = stores.deps();
    const objects: Record<string, string> = {};
    for (let index = 0; index < 60; index += 1)
      objects[`day=${index % 3}/part-${index}.json`] = `{"i":${index}}`.repeat(index + 1);
    await putObjects(deps.source, bucket, objects);
    // Written last, so it is the newest object by lastModified.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await putObjects(deps.source, bucket, { 'zz-newest.json': '{"newest":true}' });
    const report = await backupBucket(deps, { sourceBucket: bucket, batchSize: 25 });
    expect(report.complete).toBe(true);
    runId = report.runId;
    await backupBucket(deps, { sourceBucket: emptyBucket, batchSize: 25 });
  }, 60_000);

  it('checks 100% of the objects with zero mismatches when share is 1', async () => {
    const verdict = await verifyBackup(deps, request({ share: 1, minimum: 0 }), { objectsPerShard: 20 });
    expect(verdict).toMatchObject({
      status: 'SUCCESSFUL',
      runId,
      checked: 61,
      mismatches: 0,
      sampleSize: 61,
      liveObjects: 61,
      reasons: [],
      manifest: { status: 'VERIFIED' },
      postgres: { status: 'NOT_APPLICABLE' },
    });
  });

  it('samples the share, at least the minimum, always with the newest object, the same way for a seed', async () => {
    const plan = await loadVerificationPlan(deps, request({ share: 0.1, minimum: 3, seed: 'fixed' }));
    expect(plan.newest?.key).toBe('zz-newest.json');
    expect(plan.sampleSize).toBeGreaterThanOrEqual(7);
    expect(plan.sampleSize).toBeLessThanOrEqual(8);
    const result = await verifySample(deps, plan, plan.shards[0]!);
    expect(result.checked).toBe(plan.sampleSize);
    const again = await loadVerificationPlan(deps, request({ share: 0.1, minimum: 3, seed: 'fixed' }));
    expect(again.rankThreshold).toBe(plan.rankThreshold);
    const minimumOnly = await loadVerificationPlan(deps, request({ share: 0, minimum: 12 }));
    expect(minimumOnly.sampleSize).toBeGreaterThanOrEqual(12);
  });

  it('splits the sample across shards without checking an object twice', async () => {
    const plan = await loadVerificationPlan(deps, request({ share: 1 }), {
      objectsPerShard: 10,
      maxShards: 4,
    });
    expect(plan.shards).toHaveLength(4);
    const results = await Promise.all(plan.shards.map((shard) => verifySample(deps, plan, shard)));
    expect(results.reduce((total, result) => total + result.checked, 0)).toBe(61);
    expect(results.every((result) => result.checked > 0)).toBe(true);
  });

  it('fails with the corrupted object named when a backup copy no longer matches the manifest', async () => {
    const { entries } = await readManifest(deps, { sourceBucket: bucket, runId });
    const victim = (await collect(entries)).find((entry) => entry.key === 'day=1/part-4.json')!;
    const original = await deps.destination.send(
      new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: victim.destKey }),
    );
    const body = Buffer.from(await original.Body!.transformToByteArray());
    const corrupted = Buffer.from(body);
    corrupted[0] = corrupted[0]! ^ 0xff;
    await deps.destination.send(
      new PutObjectCommand({
        Bucket: BACKUP_BUCKET,
        Key: victim.destKey,
        Body: corrupted,
        Metadata: original.Metadata,
      }),
    );
    try {
      const verdict = await verifyBackup(deps, request({ share: 1 }));
      expect(verdict.status).toBe('FAILED');
      expect(verdict.mismatches).toBe(1);
      expect(verdict.reasons).toHaveLength(1);
      expect(verdict.reasons[0]).toContain('day=1/part-4.json');
      expect(verdict.reasons[0]).toContain('SHA-256');
    } finally {
      await deps.destination.send(
        new PutObjectCommand({
          Bucket: BACKUP_BUCKET,
          Key: victim.destKey,
          Body: body,
          Metadata: original.Metadata,
        }),
      );
    }
  });

  it('fails with ManifestTamperedError as the reason when the manifest was edited', async () => {
    const key = manifestKey(bucket, runId);
    const original = await deps.destination.send(new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: key }));
    const text = await original.Body!.transformToString('utf8');
    const tampered = text.replace('"size":', '"size":1');
    await deps.destination.send(
      new PutObjectCommand({ Bucket: BACKUP_BUCKET, Key: key, Body: tampered, Metadata: original.Metadata }),
    );
    try {
      const verdict = await verifyBackup(deps, request({ share: 1 }));
      expect(verdict.status).toBe('FAILED');
      expect(verdict.manifest.status).toBe('TAMPERED');
      expect(verdict.checked).toBe(0);
      expect(verdict.reasons[0]).toMatch(
        /^manifest: ManifestTamperedError: .*does not match its manifest-sha256/,
      );
    } finally {
      await deps.destination.send(
        new PutObjectCommand({
          Bucket: BACKUP_BUCKET,
          Key: key,
          Body: text,
          Metadata: { [BODY_SHA256_METADATA]: original.Metadata![BODY_SHA256_METADATA]! },
        }),
      );
    }
  });

  it('refuses a bucket that was never backed up, a run that does not exist, and an empty backup', async () => {
    const unknown = await rejectionOf(verifyBackup(deps, request({ sourceBucket: 'never-backed-up' })));
    expect(unknown).toBeInstanceOf(UnknownBucketError);
    expect(unknown.message).toContain('no backup of bucket "never-backed-up" exists');
    const missing = await rejectionOf(verifyBackup(deps, request({ runId: '20000101T000000Z-00000000' })));
    expect(missing).toBeInstanceOf(ManifestNotFoundError);
    expect(missing.message).toContain(runId);
    const empty = await rejectionOf(verifyBackup(deps, request({ sourceBucket: emptyBucket })));
    expect(empty).toBeInstanceOf(EmptyBackupError);
  });

  it('reports the PostgreSQL check as not applicable when the manifest records no dump', async () => {
    const plan = await loadVerificationPlan(deps, request());
    expect(plan.postgres).toEqual({
      applicable: false,
      detail: 'the manifest records no PostgreSQL dump for this run',
    });
  });
});
