import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/**
 * DynamoDB on loopback (dynalite, in memory), holding the ops table with the key schema and TTL
 * attribute that the OpsStack declares, so locks, idempotency records and audit entries behave as in AWS.
 */
export interface LocalDynamoDb {
  readonly url: string;
  readonly opsTableName: string;
  stop(): Promise<void>;
}

/**
 * Must match the ops table in infra/stacks/ops-stack.ts (keys, TTL attribute, audit index).
 * dynalite implements neither UpdateTimeToLive nor expiry, so the TTL attribute is not configured
 * locally. That changes nothing for correct code: DynamoDB deletes expired items lazily (up to days
 * later), so lock and idempotency conditions must compare `expiresAt` with the clock themselves.
 */
export const OPS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  auditIndex: { name: 'audit-by-time', partitionKey: 'auditDay', sortKey: 'auditAt' },
} as const;

export async function startLocalDynamoDb(options: {
  opsTableName: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<LocalDynamoDb> {
  // Tables become ACTIVE after createTableMs; the default 500 ms would only slow every start.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });

  const client = new DynamoDBClient({
    endpoint: url,
    region: options.region,
    credentials: options.credentials,
  });
  try {
    await createOpsTable(client, options.opsTableName);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { url, opsTableName: options.opsTableName, stop };
}

async function createOpsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, auditIndex } = OPS_TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: auditIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: auditIndex.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: auditIndex.name,
          KeySchema: [
            { AttributeName: auditIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: auditIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: tableName });
}
