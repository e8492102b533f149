import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { queryAll } from '../../commons/dynamodb-pages.ts';
import { InvalidInputError, namedError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * The audit trail on the ops table (infra/stacks/ops-stack.ts): one item per decision in the
 * partition `pk = AUDIT#<workflow>#<target>`, so one target's history is one Query; `auditDay` /
 * `auditAt` feed the `audit-by-time` index ("what happened on day X", in time order). Items never
 * expire. before/after are stored as JSON strings, cut to a size that keeps the item far below
 * DynamoDB's 400 KB.
 *
 * A record of a workflow execution is addressed by that execution and its action,
 * `sk = EXECUTION#<executionId>#<action>`, because Step Functions retries a step whose first
 * attempt may have written before it timed out: the retry writes the same item again, which
 * succeeds when the content is the same (keeping the first attempt's time) and fails with
 * AuditRecordConflictError when it is not, so a record is never duplicated nor overwritten.
 * A record outside an execution gets `sk = <auditAt>#<action>#<random>`.
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
  /** The Step Functions execution name: with it, the record is written once per execution and action. */
  executionId: z.optional(segment()),
});
export type AuditRecord = z.input<typeof auditRecordSchema>;

export interface WrittenAuditRecord {
  pk: string;
  sk: string;
  auditDay: string;
  auditAt: string;
  /** true when an earlier attempt of the same step had written this very record already. */
  alreadyRecorded: boolean;
}

/**
 * The step of an execution recorded a decision whose content differs from the one already in the
 * trail under the same key. Nothing was written; retrying cannot help.
 */
export class AuditRecordConflictError extends namedError('AuditRecordConflictError') {}

/** JSON of before/after longer than this is cut (and flagged); the execution history keeps it all. */
export const MAX_STATE_JSON_LENGTH = 100_000;

export function auditPartitionKey(workflow: string, target: string): string {
  return `AUDIT#${workflow}#${target}`;
}

/** The sort key of the record that one action of one execution writes. */
export function executionAuditSortKey(executionId: string, action: string): string {
  return `EXECUTION#${executionId}#${action}`;
}

export async function writeAuditRecord(table: AuditTable, record: AuditRecord): Promise<WrittenAuditRecord> {
  const parsed = parseOrThrow(
    auditRecordSchema,
    record,
    (problems) => new InvalidInputError(`invalid audit record: ${problems.join('; ')}`, { problems }),
  );
  const auditAt = parsed.at ?? (table.clock ?? (() => new Date()))().toISOString();
  const pk = auditPartitionKey(parsed.workflow, parsed.target);
  const sk =
    parsed.executionId === undefined
      ? `${auditAt}#${parsed.action}#${randomBytes(4).toString('hex')}`
      : executionAuditSortKey(parsed.executionId, parsed.action);
  const content: Record<string, string | undefined> = {
    workflow: parsed.workflow,
    action: parsed.action,
    target: parsed.target,
    decision: parsed.decision,
    actor: parsed.actor,
    executionId: parsed.executionId,
    before: parsed.before === undefined ? undefined : stateJson(parsed.before),
    after: parsed.after === undefined ? undefined : stateJson(parsed.after),
  };
  const previous = await callAws(`dynamodb:UpdateItem ${table.tableName} (audit)`, () =>
    table.dynamoDb
      .send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: { pk: { S: pk }, sk: { S: sk } },
          ...createOrConfirm(content, { auditAt, auditDay: auditAt.slice(0, 10) }),
          ReturnValues: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error | undefined)?.name !== 'ConditionalCheckFailedException') throw error;
        throw new AuditRecordConflictError(
          `the audit trail already holds ${pk} ${sk} with a different ${parsed.action} decision or state; ` +
            'an audit record is never overwritten, so this step must not record another outcome for the same execution',
          { pk, sk, decision: parsed.decision },
          { cause: error },
        );
      }),
  );
  const recordedAt = previous.Attributes?.auditAt?.S ?? auditAt;
  return {
    pk,
    sk,
    auditDay: recordedAt.slice(0, 10),
    auditAt: recordedAt,
    alreadyRecorded: previous.Attributes !== undefined,
  };
}

/**
 * One UpdateItem that creates the item, or finds it with exactly this content (an attribute absent
 * here must be absent there too) and changes nothing: the time of the first write is kept.
 */
function createOrConfirm(content: Record<string, string | undefined>, time: Record<string, string>) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const assignments: string[] = [];
  const sameContent: string[] = [];
  for (const [name, value] of Object.entries(content)) {
    names[`#${name}`] = name;
    if (value === undefined) {
      sameContent.push(`attribute_not_exists(#${name})`);
      continue;
    }
    values[`:${name}`] = { S: value };
    assignments.push(`#${name} = :${name}`);
    sameContent.push(`#${name} = :${name}`);
  }
  for (const [name, value] of Object.entries(time)) {
    names[`#${name}`] = name;
    values[`:${name}`] = { S: value };
    assignments.push(`#${name} = if_not_exists(#${name}, :${name})`);
  }
  return {
    UpdateExpression: `SET ${assignments.join(', ')}`,
    ConditionExpression: `attribute_not_exists(pk) OR (${sameContent.join(' AND ')})`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function stateJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return json.length <= MAX_STATE_JSON_LENGTH
    ? json
    : JSON.stringify({ truncated: true, length: json.length, head: json.slice(0, MAX_STATE_JSON_LENGTH) });
}

/** A record as read back: before/after parsed again. */
export interface StoredAuditRecord {
  workflow: string;
  action: string;
  target: string;
  decision: string;
  actor: string;
  auditAt: string;
  executionId?: string;
  before?: unknown;
  after?: unknown;
}

/**
 * One target's history in one workflow, oldest first by time of the decision (the `audit-by-time`
 * index answers "what happened on day X" across targets). Reads every page.
 */
export async function readAuditTrail(
  table: AuditTable,
  workflow: string,
  target: string,
): Promise<StoredAuditRecord[]> {
  const pk = auditPartitionKey(workflow, target);
  const items = await queryAll(
    table.dynamoDb,
    {
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
    },
    `dynamodb:Query ${table.tableName} ${pk}`,
  );
  return items.map(storedRecord).sort((a, b) => a.auditAt.localeCompare(b.auditAt));
}

function storedRecord(item: Record<string, AttributeValue>): StoredAuditRecord {
  const text = (name: string) => item[name]?.S;
  const json = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : (JSON.parse(value) as unknown);
  };
  return {
    workflow: text('workflow') ?? '',
    action: text('action') ?? '',
    target: text('target') ?? '',
    decision: text('decision') ?? '',
    actor: text('actor') ?? '',
    auditAt: text('auditAt') ?? '',
    executionId: text('executionId'),
    before: json('before'),
    after: json('after'),
  };
}
