import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InvalidInputError,
  LockHeldError,
  TransientError,
} from '../../../../functions/commons/errors.ts';
import {
  acquireLock,
  LOCK_SORT_KEY,
  type LockTable,
  lockKey,
  releaseLock,
} from '../../../../functions/core/locks/lease-lock.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../../local/lakehouse/dynamodb.ts';
import { rejectionOf } from '../../support/rejection.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const TABLE = 'lakehouse-ops-test-ops';

describe('lease lock (dynalite)', () => {
  let dynamo: LocalDynamoDb;
  let client: DynamoDBClient;
  let now: Date;
  let table: LockTable;
  let lockNumber = 0;
  let name: string;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb({ opsTableName: TABLE, region: 'eu-west-1', credentials });
    client = new DynamoDBClient({ endpoint: dynamo.url, region: 'eu-west-1', credentials });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });
  beforeEach(() => {
    now = new Date('2026-03-01T12:00:00Z');
    table = { dynamoDb: client, tableName: TABLE, clock: () => now };
    name = `bucket-${++lockNumber}`;
  });

  const request = (owner: string, ttlSeconds = 600) => ({ scope: 'backup', name, owner, ttlSeconds });

  it('writes the lease item with its owner and expiry when the lock is free', async () => {
    const lease = await acquireLock(table, request('execution-a'));
    expect(lease).toEqual({
      scope: 'backup',
      name,
      owner: 'execution-a',
      acquiredAt: '2026-03-01T12:00:00.000Z',
      expiresAt: Date.parse('2026-03-01T12:10:00Z') / 1000,
    });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `LOCK#backup#${name}` }, sk: { S: 'LOCK' } } }),
    );
    expect(Item).toMatchObject({ owner: { S: 'execution-a' }, expiresAt: { N: String(lease.expiresAt) } });
  });

  it('refuses a second owner with LockHeldError naming the holder and the expiry', async () => {
    await acquireLock(table, request('execution-a'));
    const error = await rejectionOf(acquireLock(table, request('execution-b')));
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toMatchObject({
      name: 'LockHeldError',
      details: {
        scope: 'backup',
        name,
        holder: 'execution-a',
        expiresAt: Date.parse('2026-03-01T12:10:00Z') / 1000,
      },
    });
    expect((error as Error).message).toContain('held by execution-a until 2026-03-01T12:10:00.000Z');
  });

  it('renews the lease when its owner acquires it again (a retried step)', async () => {
    await acquireLock(table, request('execution-a'));
    now = new Date('2026-03-01T12:05:00Z');
    const renewed = await acquireLock(table, request('execution-a'));
    expect(renewed.expiresAt).toBe(Date.parse('2026-03-01T12:15:00Z') / 1000);
  });

  it('lets another owner take an expired lease that is still in the table', async () => {
    await acquireLock(table, request('execution-a', 60));
    now = new Date('2026-03-01T12:01:01Z');
    const lease = await acquireLock(table, request('execution-b'));
    expect(lease.owner).toBe('execution-b');
  });

  it('still refuses another owner in the last second of the lease', async () => {
    await acquireLock(table, request('execution-a', 60));
    now = new Date('2026-03-01T12:01:00Z');
    await expect(acquireLock(table, request('execution-b'))).rejects.toBeInstanceOf(LockHeldError);
  });

  it('releases only its own lease, and the lock can then be taken again', async () => {
    await acquireLock(table, request('execution-a'));
    expect(await releaseLock(table, { scope: 'backup', name, owner: 'execution-b' })).toEqual({
      scope: 'backup',
      name,
      released: false,
      heldBy: 'execution-a',
    });
    expect(await releaseLock(table, { scope: 'backup', name, owner: 'execution-a' })).toEqual({
      scope: 'backup',
      name,
      released: true,
    });
    await expect(acquireLock(table, request('execution-b'))).resolves.toMatchObject({ owner: 'execution-b' });
  });

  it('reports a release of a lease that is already gone without failing', async () => {
    expect(await releaseLock(table, { scope: 'backup', name, owner: 'execution-a' })).toEqual({
      scope: 'backup',
      name,
      released: false,
    });
  });

  it('lets exactly one of many concurrent owners win', async () => {
    const owners = Array.from({ length: 8 }, (_, index) => `execution-${index}`);
    const outcomes = await Promise.allSettled(owners.map((owner) => acquireLock(table, request(owner))));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((outcome) => outcome.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LockHeldError);
    }
  });

  it('names the table in a ConfigurationError when it does not exist', async () => {
    const missing = { ...table, tableName: 'no-such-table' };
    const error = await rejectionOf(acquireLock(missing, request('execution-a')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('no-such-table');
  });

  it('rejects a lock name with "#" and a non-positive TTL before calling DynamoDB', async () => {
    await expect(
      acquireLock(table, { scope: 'backup', name: 'a#b', owner: 'x', ttlSeconds: 60 }),
    ).rejects.toThrow(/name: must not contain "#"/);
    await expect(acquireLock(table, request('execution-a', 0))).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('lease lock (error mapping)', () => {
  // Mocks this one client only: mocking the class would also swap out the dynalite suite's client.
  const table = { dynamoDb: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE };
  const dynamo = mockClient(table.dynamoDb);
  const request = { scope: 'backup', name: 'lakehouse-raw', owner: 'execution-b', ttlSeconds: 600 };

  beforeEach(() => dynamo.reset());

  it('uses the holder returned with the failed condition instead of reading it again', async () => {
    dynamo.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { owner: { S: 'execution-a' }, expiresAt: { N: '1800000000' } },
      }),
    );
    await expect(acquireLock(table, request)).rejects.toMatchObject({
      name: 'LockHeldError',
      details: { holder: 'execution-a', expiresAt: 1_800_000_000 },
    });
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutItemCommand)[0]!.args[0].input).toMatchObject({
      Item: { pk: { S: lockKey('backup', 'lakehouse-raw') }, sk: { S: LOCK_SORT_KEY } },
    });
  });

  it('turns throttling into TransientError so the workflow retries', async () => {
    dynamo.on(PutItemCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(acquireLock(table, request)).rejects.toBeInstanceOf(TransientError);
  });

  it('maps a missing table on release to ConfigurationError', async () => {
    dynamo
      .on(DeleteItemCommand)
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await expect(releaseLock(table, request)).rejects.toBeInstanceOf(ConfigurationError);
  });
});
