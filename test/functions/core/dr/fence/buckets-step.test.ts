import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DENIED_WRITE_ACTIONS,
  FENCE_STATEMENT_SID,
  s3BucketPolicies,
} from '../../../../../functions/core/dr/fence/bucket-policy.ts';
import {
  type BucketsStepDependencies,
  fenceBuckets,
  liftBuckets,
  savedBucketsSchema,
} from '../../../../../functions/core/dr/fence/buckets-step.ts';
import { awaitReplicationDrain } from '../../../../../functions/core/dr/fence/drain.ts';
import { readFenceRecord } from '../../../../../functions/core/dr/fence/fence-store.ts';
import type { FenceKey } from '../../../../../functions/core/dr/fence/outcome.ts';
import { measureReplicationLag } from '../../../../../functions/core/dr/replication/lag.ts';
import { OBJECT_EVENT_FORMAT } from '../../../../../functions/core/dr/replication/object-event.ts';
import { clearPending, recordPending } from '../../../../../functions/core/dr/replication/pending-journal.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';
import { startS3rver } from '../../../support/s3rver.ts';

const READ_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: ['*'] },
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::market/*'],
    },
  ],
});
const now = new Date('2026-03-01T02:10:00.000Z');
const clock = () => now;

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('fence step buckets and the replication drain', () => {
  const dynamo = useLocalDynamoDb();
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE, clock });
  let failover = 0;
  const nextKey = (): FenceKey => {
    failover += 1;
    return {
      environment: 'buckets-fence',
      failoverId: `20260301T0200${String(failover).padStart(2, '0')}Z-a1b2c3`,
      side: 'primary',
    };
  };

  /** MinIO's policy calls as aws-sdk-client-mock answers them: an in-memory policy per bucket. */
  const mocked = new S3Client({ region: 'us-east-1' });
  const minio = mockClient(mocked);
  const policies = new Map<string, string>();
  let failPutFor: string | undefined;
  beforeEach(() => {
    minio.reset();
    policies.clear();
    policies.set('market', READ_POLICY);
    failPutFor = undefined;
    minio.on(HeadBucketCommand).resolves({});
    minio.on(GetBucketPolicyCommand).callsFake(({ Bucket }) => {
      const policy = policies.get(Bucket);
      if (policy === undefined) throw awsError('NoSuchBucketPolicy', 404);
      return { Policy: policy };
    });
    minio.on(PutBucketPolicyCommand).callsFake(({ Bucket, Policy }) => {
      if (Bucket === failPutFor) {
        failPutFor = undefined;
        throw awsError('InternalError', 500);
      }
      policies.set(Bucket, Policy);
      return {};
    });
    minio.on(DeleteBucketPolicyCommand).callsFake(({ Bucket }) => {
      policies.delete(Bucket);
      return {};
    });
  });
  afterAll(() => minio.restore());

  function dependencies(client: S3Client = mocked): BucketsStepDependencies {
    const buckets = ['market', 'reference'];
    return {
      policies: s3BucketPolicies(async () => client, 1_000),
      table: table(),
      buckets,
      measureLag: () => measureReplicationLag(table(), buckets),
    };
  }

  it('adds a deny-writes statement to every bucket, keeps their own statements, and the lift gives back exactly what was there', async () => {
    const key = nextKey();
    const fenced = await fenceBuckets(key, dependencies());

    expect(fenced).toMatchObject({ status: 'fenced', saved: 2 });
    const market = JSON.parse(policies.get('market') ?? '{}');
    expect(market.Statement).toHaveLength(2);
    expect(market.Statement[0]).toEqual(JSON.parse(READ_POLICY).Statement[0]);
    expect(market.Statement[1]).toEqual({
      Sid: FENCE_STATEMENT_SID,
      Effect: 'Deny',
      Principal: { AWS: ['*'] },
      Action: [...DENIED_WRITE_ACTIONS],
      Resource: ['arn:aws:s3:::market/*'],
    });
    const reference = JSON.parse(policies.get('reference') ?? '{}');
    expect(reference).toMatchObject({
      Version: '2012-10-17',
      Statement: [{ Sid: FENCE_STATEMENT_SID, Effect: 'Deny' }],
    });
    const record = await readFenceRecord(table(), key, 'buckets', savedBucketsSchema);
    expect(record?.original.buckets).toEqual([
      { bucket: 'market', policy: READ_POLICY },
      { bucket: 'reference', policy: null },
    ]);
    expect(record?.facts?.replicationLagAtFence).toMatchObject({ lagSeconds: 0 });

    const lifted = await liftBuckets(key, dependencies());

    expect(lifted.status).toBe('lifted');
    expect(policies.get('market')).toBe(READ_POLICY);
    expect(policies.has('reference')).toBe(false);
    expect(minio.commandCalls(DeleteBucketPolicyCommand).map((call) => call.args[0].input.Bucket)).toEqual([
      'reference',
    ]);
  });

  it('never saves the fenced policy as the original when re-run after a failure between buckets', async () => {
    const key = nextKey();
    failPutFor = 'reference';
    await expect(fenceBuckets(key, dependencies())).rejects.toThrow();
    expect(policies.get('market')).toContain(FENCE_STATEMENT_SID);

    const rerun = await fenceBuckets(key, dependencies());

    expect(rerun.changes).toEqual([
      { target: 'bucket market', change: 'deny writes', outcome: 'unchanged' },
      { target: 'bucket reference', change: 'deny writes', outcome: 'changed' },
    ]);
    expect((await readFenceRecord(table(), key, 'buckets', savedBucketsSchema))?.original.buckets).toEqual([
      { bucket: 'market', policy: READ_POLICY },
      { bucket: 'reference', policy: null },
    ]);
    await liftBuckets(key, dependencies());
    expect(policies.get('market')).toBe(READ_POLICY);
    expect(policies.has('reference')).toBe(false);
  });

  it('recovers the original from the bucket itself when the save was lost after the policy was put', async () => {
    const key = nextKey();
    await fenceBuckets(nextKey(), dependencies());

    const fenced = await fenceBuckets(key, dependencies());

    expect(fenced.changes.every((change) => change.outcome === 'unchanged')).toBe(true);
    expect(
      (await readFenceRecord(table(), key, 'buckets', savedBucketsSchema))?.original.buckets[0]?.policy,
    ).toBe(READ_POLICY);
  });

  describe('against s3rver (no bucket policies)', () => {
    let s3rver: Awaited<ReturnType<typeof startS3rver>> | undefined;
    let client: S3Client | undefined;
    beforeAll(async () => {
      s3rver = await startS3rver(['market', 'reference']);
      client = new S3Client({
        endpoint: s3rver.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
        maxAttempts: 1,
      });
    });
    afterAll(async () => {
      client?.destroy();
      await s3rver?.close();
    });

    it('reports the step unsupported instead of failing', async () => {
      const key = nextKey();
      const result = await fenceBuckets(key, dependencies(client));

      expect(result.status).toBe('unsupported');
      expect(result.changes.map((change) => change.outcome)).toEqual(['unsupported', 'unsupported']);
      expect((await liftBuckets(key, dependencies(client))).status).toBe('lifted');
    });

    it('reports an object store that does not answer as unreachable', async () => {
      const lost = new S3Client({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
        maxAttempts: 1,
      });
      const key = nextKey();
      expect(await fenceBuckets(key, dependencies(lost))).toMatchObject({ status: 'unreachable', saved: 0 });
      expect(await readFenceRecord(table(), key, 'buckets', savedBucketsSchema)).toBeUndefined();
      lost.destroy();
    });
  });

  it('waits for the pending journal to empty, gives up at the deadline, and reports the lag at fencing as the RPO', async () => {
    const key = nextKey();
    const event = {
      format: OBJECT_EVENT_FORMAT as typeof OBJECT_EVENT_FORMAT,
      bucket: 'market',
      key: 'trades/late.parquet',
      change: 'created' as const,
      eventName: 's3:ObjectCreated:Put',
      eventTime: '2026-03-01T02:08:00.000Z',
      sequencer: '1',
    };
    await recordPending(table(), [event]);
    await fenceBuckets(key, dependencies());
    const measureLag = () => measureReplicationLag(table(), ['market', 'reference']);

    const first = await awaitReplicationDrain(
      key,
      {},
      { table: table(), measureLag, timeoutSeconds: 60, clock },
    );
    expect(first).toMatchObject({ status: 'waiting', deadline: '2026-03-01T02:11:00.000Z', lagSeconds: 120 });
    expect(first.rpo).toMatchObject({ seconds: 120, basis: 'replication lag when the buckets were fenced' });

    const late = () => new Date('2026-03-01T02:11:30.000Z');
    const expired = await awaitReplicationDrain(
      key,
      { deadline: first.deadline },
      { table: table(), measureLag, timeoutSeconds: 60, clock: late },
    );
    expect(expired.status).toBe('timed-out');

    await clearPending(table(), [event]);
    const drained = await awaitReplicationDrain(
      key,
      { deadline: first.deadline },
      { table: table(), measureLag, timeoutSeconds: 60, clock },
    );
    expect(drained).toMatchObject({ status: 'drained', pendingOldest: null, rpo: { seconds: 120 } });

    const unfenced = await awaitReplicationDrain(
      nextKey(),
      {},
      { table: table(), measureLag, timeoutSeconds: 60, clock },
    );
    expect(unfenced.rpo.basis).toBe('replication lag now (the buckets were not fenced)');
  });

  it("waits for a fenced buckets step's record to reach the table before taking the RPO", async () => {
    const key = nextKey();
    const measureLag = () => measureReplicationLag(table(), ['market', 'reference']);
    const look = (deadline?: string, at = clock) =>
      awaitReplicationDrain(
        key,
        { bucketsFence: 'fenced', ...(deadline ? { deadline } : {}) },
        { table: table(), measureLag, timeoutSeconds: 60, clock: at },
      );
    // Nothing pending, but the fence's record (written in the primary region) is not here yet.
    const early = await look();
    expect(early.status).toBe('waiting');

    await fenceBuckets(key, dependencies());
    const arrived = await look(early.deadline);
    expect(arrived).toMatchObject({
      status: 'drained',
      rpo: { basis: 'replication lag when the buckets were fenced' },
    });

    // A record that never arrives holds the drain only until its deadline.
    const other = nextKey();
    const late = () => new Date('2026-03-01T02:11:30.000Z');
    const expired = await awaitReplicationDrain(
      other,
      { bucketsFence: 'fenced', deadline: early.deadline },
      { table: table(), measureLag, timeoutSeconds: 60, clock: late },
    );
    expect(expired.status).toBe('drained');
  });
});
