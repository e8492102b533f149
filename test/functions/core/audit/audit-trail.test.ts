import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../functions/commons/errors.ts';
import {
  type AuditRecord,
  AuditRecordConflictError,
  auditPartitionKey,
  executionAuditSortKey,
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

  const tableAt = (iso: string) => ({ dynamoDb: client, tableName: TABLE, clock: () => new Date(iso) });

  async function historyOf(workflow: string, target: string) {
    const history = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: auditPartitionKey(workflow, target) } },
      }),
    );
    return history.Items ?? [];
  }

  async function auditedOn(day: string) {
    const byDay = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'audit-by-time',
        KeyConditionExpression: 'auditDay = :day',
        ExpressionAttributeValues: { ':day': { S: day } },
      }),
    );
    return byDay.Items ?? [];
  }

  it('writes a record that the target history and the audit-by-time index both find', async () => {
    const written = await writeAuditRecord(tableAt('2026-03-01T10:00:00.000Z'), {
      workflow: 'restore',
      action: 'restore-objects',
      target: 'lake/trades/',
      decision: 'RESTORED',
      after: { written: 13 },
      actor: 'alice',
    });
    expect(written).toMatchObject({
      auditDay: '2026-03-01',
      auditAt: '2026-03-01T10:00:00.000Z',
      alreadyRecorded: false,
    });
    const history = await historyOf('restore', 'lake/trades/');
    expect(history[0]).toMatchObject({ decision: { S: 'RESTORED' }, after: { S: '{"written":13}' } });
    expect((await auditedOn('2026-03-01')).map((item) => item.sk?.S)).toContain(written.sk);
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
    const cut = (await historyOf('verify-backup', 'big')).find((item) => item.sk?.S === first.sk);
    expect(JSON.parse(cut?.before?.S ?? '{}')).toMatchObject({ truncated: true });
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

  describe('a record of a workflow execution', () => {
    const verdict: AuditRecord = {
      workflow: 'verify-backup',
      action: 'record-verdict',
      target: 'lake@20260303T030000Z-0a1b2c3d',
      decision: 'SUCCESSFUL',
      after: { status: 'SUCCESSFUL', checked: 40, mismatches: 0 },
      actor: 'schedule',
      executionId: 'verify-lake-0303',
    };

    it('is written once when a retried step records it again, keeping the first time', async () => {
      const first = await writeAuditRecord(tableAt('2026-03-03T04:00:00.000Z'), verdict);
      const retried = await writeAuditRecord(tableAt('2026-03-03T04:00:17.000Z'), verdict);

      expect(first).toEqual({
        pk: auditPartitionKey('verify-backup', verdict.target),
        sk: executionAuditSortKey('verify-lake-0303', 'record-verdict'),
        auditDay: '2026-03-03',
        auditAt: '2026-03-03T04:00:00.000Z',
        alreadyRecorded: false,
      });
      expect(retried).toEqual({ ...first, alreadyRecorded: true });
      const history = await historyOf('verify-backup', verdict.target);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        auditAt: { S: '2026-03-03T04:00:00.000Z' },
        decision: { S: 'SUCCESSFUL' },
        executionId: { S: 'verify-lake-0303' },
      });
      const sameDay = (await auditedOn('2026-03-03')).filter((item) => item.pk?.S === first.pk);
      expect(sameDay).toHaveLength(1);
    });

    it('refuses a retry with another decision and keeps the first record unchanged', async () => {
      const record = { ...verdict, target: 'lake@20260304T030000Z-0a1b2c3d' };
      await writeAuditRecord(tableAt('2026-03-04T04:00:00.000Z'), record);
      const error = await rejectionOf(
        writeAuditRecord(tableAt('2026-03-04T04:01:00.000Z'), { ...record, decision: 'FAILED' }),
      );

      expect(error).toBeInstanceOf(AuditRecordConflictError);
      expect(error).toMatchObject({
        name: 'AuditRecordConflictError',
        details: { sk: executionAuditSortKey('verify-lake-0303', 'record-verdict'), decision: 'FAILED' },
      });
      expect(error.message).toContain('never overwritten');
      const history = await historyOf('verify-backup', record.target);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        decision: { S: 'SUCCESSFUL' },
        auditAt: { S: '2026-03-04T04:00:00.000Z' },
      });
    });

    it.each([
      [
        'a different after state',
        'verify-after',
        { after: { status: 'SUCCESSFUL', checked: 41, mismatches: 0 } },
      ],
      ['a before state the first attempt did not have', 'verify-before', { before: { sampleSize: 40 } }],
      ['no after state where the first attempt had one', 'verify-no-after', { after: undefined }],
      ['another actor', 'verify-actor', { actor: 'alice' }],
    ])('refuses a retry with %s', async (_, executionId, change: Partial<AuditRecord>) => {
      const record = { ...verdict, executionId };
      await writeAuditRecord(tableAt('2026-03-05T04:00:00.000Z'), record);
      const error = await rejectionOf(
        writeAuditRecord(tableAt('2026-03-05T04:00:30.000Z'), { ...record, ...change }),
      );
      expect(error).toBeInstanceOf(AuditRecordConflictError);
    });

    it('keeps apart the records of other executions and of other actions of the same execution', async () => {
      const target = 'lake/orders/';
      const restore = { workflow: 'restore', target, decision: 'RESTORED', actor: 'bob' };
      const table = tableAt('2026-03-06T12:00:00.000Z');
      await writeAuditRecord(table, { ...restore, action: 'restore-objects', executionId: 'restore-1' });
      await writeAuditRecord(table, { ...restore, action: 'restore-objects', executionId: 'restore-2' });
      await writeAuditRecord(table, { ...restore, action: 'restore-postgres', executionId: 'restore-1' });

      const keys = (await historyOf('restore', target)).map((item) => item.sk?.S).sort();
      expect(keys).toEqual([
        executionAuditSortKey('restore-1', 'restore-objects'),
        executionAuditSortKey('restore-1', 'restore-postgres'),
        executionAuditSortKey('restore-2', 'restore-objects'),
      ]);
    });

    it('refuses an execution id with "#", which would make keys ambiguous', async () => {
      const error = await rejectionOf(
        writeAuditRecord(tableAt('2026-03-07T00:00:00.000Z'), { ...verdict, executionId: 'a#b' }),
      );
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toContain('executionId');
    });
  });
});
