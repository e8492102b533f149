import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { InvalidInputError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * The audit trail on the ops table (infra/stacks/ops-stack.ts): one item per decision, addressed
 * `pk = AUDIT#<workflow>#<target>`, `sk = <auditAt>#<action>#<random>`, so one target's history
 * is one Query in time order; `auditDay` / `auditAt` feed the `audit-by-time` index ("what
 * happened on day X"). Items never expire. before/after are stored as JSON strings, cut to a size
 * that keeps the item far below DynamoDB's 400 KB.
 */

export interface AuditTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  clock?: () => Date;
}

const segment = () => nonEmptyString().check(z.regex(/^[^#]+$/, 'must not contain "#"'));

export const auditRecordSchema = z.object({
  workflow: segment(),
  action: segment(),
  /** What the decision is about (`bucket/prefix`, `database`). */
  target: nonEmptyString(),
  decision: nonEmptyString(),
  before: z.optional(z.unknown()),
  after: z.optional(z.unknown()),
  /** Who asked: an operator, `schedule`, an alert. */
  actor: nonEmptyString(),
  /** When it was decided (ISO); now by default. */
  at: z.optional(z.iso.datetime()),
  executionId: z.optional(nonEmptyString()),
});
export type AuditRecord = z.input<typeof auditRecordSchema>;

export interface WrittenAuditRecord {
  pk: string;
  sk: string;
  auditDay: string;
  auditAt: string;
}

/** JSON of before/after longer than this is cut (and flagged); the execution history keeps it all. */
export const MAX_STATE_JSON_LENGTH = 100_000;

export function auditPartitionKey(workflow: string, target: string): string {
  return `AUDIT#${workflow}#${target}`;
}

export async function writeAuditRecord(table: AuditTable, record: AuditRecord): Promise<WrittenAuditRecord> {
  const parsed = parseOrThrow(
    auditRecordSchema,
    record,
    (problems) => new InvalidInputError(`invalid audit record: ${problems.join('; ')}`, { problems }),
  );
  const auditAt = parsed.at ?? (table.clock ?? (() => new Date()))().toISOString();
  const written: WrittenAuditRecord = {
    pk: auditPartitionKey(parsed.workflow, parsed.target),
    sk: `${auditAt}#${parsed.action}#${randomBytes(4).toString('hex')}`,
    auditDay: auditAt.slice(0, 10),
    auditAt,
  };
  const item: Record<string, { S: string }> = {
    pk: { S: written.pk },
    sk: { S: written.sk },
    auditDay: { S: written.auditDay },
    auditAt: { S: written.auditAt },
    workflow: { S: parsed.workflow },
    action: { S: parsed.action },
    target: { S: parsed.target },
    decision: { S: parsed.decision },
    actor: { S: parsed.actor },
  };
  if (parsed.executionId !== undefined) item.executionId = { S: parsed.executionId };
  for (const [name, value] of [
    ['before', parsed.before],
    ['after', parsed.after],
  ] as const) {
    if (value !== undefined) item[name] = { S: stateJson(value) };
  }
  await callAws(`dynamodb:PutItem ${table.tableName} (audit)`, () =>
    table.dynamoDb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: item,
        // The random suffix makes a collision a bug, never an overwrite of someone's record.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  return written;
}

function stateJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return json.length <= MAX_STATE_JSON_LENGTH
    ? json
    : JSON.stringify({ truncated: true, length: json.length, head: json.slice(0, MAX_STATE_JSON_LENGTH) });
}
