import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../functions/commons/errors.ts';
import {
  auditPartitionKey,
  MAX_STATE_JSON_LENGTH,
  writeAuditRecord,
} from '../../../../functions/core/audit/audit-trail.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../../local/lakehouse/dynamodb.ts';
import { rejectionOf } from '../../support/rejection.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const TABLE = 'lakehouse-ops-audit-test-ops';

describe('writeAuditRecord (dynalite)', () => {
  let dynamo: LocalDynamoDb;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb({ opsTableName: TABLE, region: 'eu-west-1', credentials });
    client = new DynamoDBClient({ endpoint: dynamo.url, region: 'eu-west-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
  });

  it('writes a record that the target history and the audit-by-time index both find', async () => {
    const table = { dynamoDb: client, tableName: TABLE, clock: () => new Date('2026-03-01T10:00:00.000Z') };
    const written = await writeAuditRecord(table, {
      workflow: 'restore',
      action: 'restore-objects',
      target: 'lake/trades/',
      decision: 'RESTORED',
      after: { written: 13 },
      actor: 'alice',
    });
    expect(written).toMatchObject({ auditDay: '2026-03-01', auditAt: '2026-03-01T10:00:00.000Z' });
    const history = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: auditPartitionKey('restore', 'lake/trades/') } },
      }),
    );
    expect(history.Items?.[0]).toMatchObject({ decision: { S: 'RESTORED' }, after: { S: '{"written":13}' } });
    const byDay = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'audit-by-time',
        KeyConditionExpression: 'auditDay = :day',
        ExpressionAttributeValues: { ':day': { S: '2026-03-01' } },
      }),
    );
    expect(byDay.Items?.map((item) => item.sk?.S)).toContain(written.sk);
  });

  it('keeps two records of the same instant apart and cuts a huge state', async () => {
    const table = { dynamoDb: client, tableName: TABLE };
    const record = {
      workflow: 'verify-backup',
      action: 'verdict',
      target: 'big',
      decision: 'FAILED',
      actor: 'schedule',
      at: '2026-03-02T00:00:00.000Z',
    };
    const first = await writeAuditRecord(table, {
      ...record,
      before: 'x'.repeat(MAX_STATE_JSON_LENGTH + 10),
    });
    const second = await writeAuditRecord(table, record);
    expect(first.sk).not.toBe(second.sk);
  });

  it('refuses a record without an actor, naming the field', async () => {
    const error = await rejectionOf(
      writeAuditRecord(
        { dynamoDb: client, tableName: TABLE },
        {
          workflow: 'restore',
          action: 'plan',
          target: 'x',
          decision: 'DRY_RUN',
          actor: '',
        },
      ),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('actor');
  });
});
