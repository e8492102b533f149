import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { auditPartitionKey } from '../../../functions/core/audit/audit-trail.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../local/lakehouse/dynamodb.ts';
import { AWS_TEST_CREDENTIALS, TEST_REGION } from './lambda.ts';

export const OPS_TABLE = 'lakehouse-ops-test-ops';

export interface DynamoDbFixture {
  /** The endpoint, for AWS_ENDPOINT_URL_DYNAMODB. */
  url(): string;
  /** A client of the ops table with the handlers' test credentials. */
  client(): DynamoDBClient;
}

/**
 * The ops table on dynalite (real DynamoDB protocol: conditional writes, the audit index) for the
 * enclosing describe; started before its tests and stopped after them.
 */
export function useLocalDynamoDb(tableName = OPS_TABLE): DynamoDbFixture {
  let dynamo: LocalDynamoDb | undefined;
  let client: DynamoDBClient | undefined;
  const started = () => {
    if (!dynamo || !client) throw new Error('the local DynamoDB is used before its beforeAll hook ran');
    return { dynamo, client };
  };
  beforeAll(async () => {
    dynamo = await startLocalDynamoDb({
      opsTableName: tableName,
      region: TEST_REGION,
      credentials: AWS_TEST_CREDENTIALS,
    });
    client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: TEST_REGION,
      credentials: AWS_TEST_CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });
  return { url: () => started().dynamo.url, client: () => started().client };
}

/** One target's audit history (functions/core/audit/audit-trail.ts), oldest first, as plain strings. */
export async function auditHistory(
  client: DynamoDBClient,
  { tableName = OPS_TABLE, workflow, target }: { tableName?: string; workflow: string; target: string },
): Promise<Record<string, string>[]> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: auditPartitionKey(workflow, target) } },
    }),
  );
  return (result.Items ?? []).map((item) =>
    Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? ''])),
  );
}
