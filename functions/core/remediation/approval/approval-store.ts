import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { scanAll } from '../../../commons/dynamodb-pages.ts';
import { LakehouseOpsError } from '../../../commons/errors.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { type AlertEvent, alertEventSchema } from '../alert-event.ts';
import { PLAYBOOK_NAMES, type PlaybookName } from '../playbooks/catalogue.ts';
import { targetSchema } from '../playbooks/playbook.ts';
import type { Target } from '../target.ts';

/**
 * Approvals on the ops table: one item per approval, `pk = APPROVAL#<approvalId>`, `sk = APPROVAL`.
 * It holds the task token the workflow waits on, so only the approval functions (and operators
 * with table access) ever see the token. Its life:
 *
 *     PENDING --decision before the deadline--> APPROVED | REJECTED
 *                                                 \--the execution stopped waiting--> EXPIRED
 *
 * Deciding is one conditional UpdateItem from PENDING while the deadline lies ahead, so of two
 * concurrent clicks exactly one decides. `deadline` is when the workflow stops waiting; `expiresAt`
 * (the table's TTL) starts equal to it and moves RETAIN_DECIDED_SECONDS past the decision, so a
 * decided approval can still be listed and answer "already decided by ..." for a while; the
 * audit trail keeps the decision for good. DynamoDB's TTL deletes late (dynalite never), so the
 * deadline, not the item's presence, says whether an approval is still open.
 */
export interface ApprovalTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A decided approval stays in the table this long after the decision. */
export const RETAIN_DECIDED_SECONDS = 30 * 24 * 3600;

/** What every approval holds, whichever workflow asks. */
interface ApprovalBase {
  readonly approvalId: string;
  readonly taskToken: string;
  readonly executionId: string;
  readonly dryRun: boolean;
  readonly requestedAt: string;
  /** Epoch seconds: when the workflow stops waiting. */
  readonly deadline: number;
}

/** The remediate workflow's approve-first playbook on one alert's target (items without `kind`). */
export interface RemediationApproval extends ApprovalBase {
  readonly kind?: 'remediation';
  readonly playbook: PlaybookName;
  readonly params: Record<string, unknown>;
  readonly alert: AlertEvent;
  readonly target: Target;
}

/**
 * A planned change of another workflow (cost-optimise's right-sizing): what it will do in one
 * line, and the list of changes it covers, as the workflow words them.
 */
export interface ChangeApproval extends ApprovalBase {
  readonly kind: 'change';
  /** The workflow that asks (`cost-optimise`). */
  readonly workflow: string;
  readonly title: string;
  /** One line per change covered by the approval. */
  readonly changes: readonly string[];
}

export type PendingApproval = RemediationApproval | ChangeApproval;

export interface RecordedDecision {
  readonly outcome: 'APPROVED' | 'REJECTED';
  readonly approver: string;
  readonly decidedAt: string;
  readonly reason?: string;
  /** `link` (the notification's links) or `cli` (`lakehouse-ops approvals decide`). */
  readonly via: 'link' | 'cli';
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

export type ApprovalRecord = PendingApproval & {
  readonly status: ApprovalStatus;
  readonly decision?: RecordedDecision;
  /** Why an EXPIRED approval's decision reached no execution (Step Functions' error name). */
  readonly taskError?: string;
};

/** An approval item that does not have the shape this module writes. */
export class ApprovalRecordCorruptError extends LakehouseOpsError {
  override readonly name = 'ApprovalRecordCorruptError';
}

export function approvalKey(approvalId: string): Record<string, AttributeValue> {
  return { pk: { S: `APPROVAL#${approvalId}` }, sk: { S: 'APPROVAL' } };
}

const optionalText = (value: string | undefined): AttributeValue | undefined =>
  value === undefined ? undefined : { S: value };

export async function putPendingApproval(table: ApprovalTable, approval: PendingApproval): Promise<void> {
  await callAws(`dynamodb:PutItem ${table.tableName} (approval)`, () =>
    table.dynamoDb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          ...approvalKey(approval.approvalId),
          approvalId: { S: approval.approvalId },
          status: { S: 'PENDING' },
          taskToken: { S: approval.taskToken },
          executionId: { S: approval.executionId },
          dryRun: { BOOL: approval.dryRun },
          ...subjectAttributes(approval),
          requestedAt: { S: approval.requestedAt },
          deadline: { N: String(approval.deadline) },
          expiresAt: { N: String(approval.deadline) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** What the approval is about: a remediation's items keep the attributes they always had. */
function subjectAttributes(approval: PendingApproval): Record<string, AttributeValue> {
  if (approval.kind === 'change') {
    return {
      kind: { S: 'change' },
      workflow: { S: approval.workflow },
      title: { S: approval.title },
      changes: { S: JSON.stringify(approval.changes) },
    };
  }
  return {
    playbook: { S: approval.playbook },
    params: { S: JSON.stringify(approval.params) },
    alertname: { S: approval.alert.alertname },
    alert: { S: JSON.stringify(approval.alert) },
    target: { S: JSON.stringify(approval.target) },
  };
}

/** Removes an approval nobody was told about (its notification failed). */
export async function deletePendingApproval(table: ApprovalTable, approvalId: string): Promise<void> {
  await callAws(`dynamodb:DeleteItem ${table.tableName} (approval)`, () =>
    table.dynamoDb.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: approvalKey(approvalId),
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
      }),
    ),
  );
}

export async function getApproval(
  table: ApprovalTable,
  approvalId: string,
): Promise<ApprovalRecord | undefined> {
  const { Item } = await callAws(`dynamodb:GetItem ${table.tableName} (approval)`, () =>
    table.dynamoDb.send(
      new GetItemCommand({ TableName: table.tableName, Key: approvalKey(approvalId), ConsistentRead: true }),
    ),
  );
  return Item && approvalOfItem(Item);
}

export interface DecisionClaim extends RecordedDecision {
  /** Unique per attempt, so only this attempt can take its claim back or complete it. */
  readonly decisionId: string;
}

/**
 * Claims the decision: PENDING and before the deadline becomes APPROVED/REJECTED with who and
 * how. Returns the approval as now stored, or undefined when it was not PENDING or not open.
 */
export async function claimDecision(
  table: ApprovalTable,
  approvalId: string,
  claim: DecisionClaim,
  nowSeconds: number,
): Promise<ApprovalRecord | undefined> {
  const values: Record<string, AttributeValue | undefined> = {
    ':status': { S: claim.outcome },
    ':decision': { S: claim.outcome },
    ':approver': { S: claim.approver },
    ':decidedAt': { S: claim.decidedAt },
    ':via': { S: claim.via },
    ':decisionId': { S: claim.decisionId },
    ':retainUntil': { N: String(nowSeconds + RETAIN_DECIDED_SECONDS) },
    ':reason': optionalText(claim.reason),
    ':sourceIp': optionalText(claim.sourceIp),
    ':userAgent': optionalText(claim.userAgent),
  };
  const optional = ['reason', 'sourceIp', 'userAgent'].filter((name) => values[`:${name}`] !== undefined);
  try {
    const { Attributes } = await callAws(`dynamodb:UpdateItem ${table.tableName} (approval)`, () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: approvalKey(approvalId),
          UpdateExpression: `SET ${[
            '#status = :status',
            'decision = :decision',
            'approver = :approver',
            'decidedAt = :decidedAt',
            'via = :via',
            'decisionId = :decisionId',
            'expiresAt = :retainUntil',
            ...optional.map((name) => `${name} = :${name}`),
          ].join(', ')}`,
          ConditionExpression: '#status = :pending AND deadline > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...definedValues(values),
            ':pending': { S: 'PENDING' },
            ':now': { N: String(nowSeconds) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return Attributes && approvalOfItem(Attributes);
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/**
 * Gives a claimed decision back (the workflow could not be told, for a reason worth a retry), so
 * that the approver's retry decides again instead of meeting "already decided".
 */
export async function releaseDecision(
  table: ApprovalTable,
  approvalId: string,
  decisionId: string,
): Promise<void> {
  await whileClaimedBy(table, approvalId, decisionId, {
    UpdateExpression:
      'SET #status = :pending, expiresAt = deadline REMOVE decision, approver, decidedAt, via, decisionId, reason, sourceIp, userAgent',
    ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
  });
}

/** The decision reached no execution: it had stopped waiting (timed out, or was stopped). */
export async function recordTaskGone(
  table: ApprovalTable,
  approvalId: string,
  decisionId: string,
  taskError: string,
): Promise<void> {
  await whileClaimedBy(table, approvalId, decisionId, {
    UpdateExpression: 'SET #status = :expired, taskError = :taskError',
    ExpressionAttributeValues: { ':expired': { S: 'EXPIRED' }, ':taskError': { S: taskError } },
  });
}

async function whileClaimedBy(
  table: ApprovalTable,
  approvalId: string,
  decisionId: string,
  update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, AttributeValue> },
): Promise<void> {
  await callAws(`dynamodb:UpdateItem ${table.tableName} (approval)`, () =>
    table.dynamoDb.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: approvalKey(approvalId),
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: 'decisionId = :decisionId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':decisionId': { S: decisionId } },
      }),
    ),
  );
}

/**
 * Every approval in the table, oldest request first. A Scan filtered on the key prefix: approvals
 * are few and short-lived, and this serves an operator's command, not a workflow step.
 */
export async function listApprovals(table: ApprovalTable): Promise<ApprovalRecord[]> {
  const items = await scanAll(
    table.dynamoDb,
    {
      TableName: table.tableName,
      FilterExpression: 'begins_with(pk, :approval) AND sk = :sk',
      ExpressionAttributeValues: { ':approval': { S: 'APPROVAL#' }, ':sk': { S: 'APPROVAL' } },
    },
    `dynamodb:Scan ${table.tableName} (approvals)`,
  );
  return items.map(approvalOfItem).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}

function definedValues(values: Record<string, AttributeValue | undefined>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Record<
    string,
    AttributeValue
  >;
}

/** An attribute holding JSON text, checked against `schema` once parsed. */
function jsonText<Schema extends z.core.$ZodType>(schema: Schema) {
  const parsed = z.transform((text: string, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.issues.push({ code: 'custom', message: 'expected JSON text', input: text });
      return z.NEVER;
    }
  });
  return z.pipe(z.pipe(z.string(), parsed), schema);
}

const storedBaseShape = {
  approvalId: nonEmptyString(),
  status: z.enum(APPROVAL_STATUSES),
  taskToken: nonEmptyString(),
  executionId: nonEmptyString(),
  dryRun: z.boolean(),
  requestedAt: nonEmptyString(),
  deadline: z.number(),
  decision: z.optional(z.enum(['APPROVED', 'REJECTED'])),
  approver: z.optional(nonEmptyString()),
  decidedAt: z.optional(nonEmptyString()),
  reason: z.optional(z.string()),
  via: z.optional(z.enum(['link', 'cli'])),
  sourceIp: z.optional(z.string()),
  userAgent: z.optional(z.string()),
  taskError: z.optional(z.string()),
};

const storedItemSchema = z.union([
  z.object({
    ...storedBaseShape,
    kind: z.literal('change'),
    workflow: nonEmptyString(),
    title: nonEmptyString(),
    changes: jsonText(z.array(z.string())),
  }),
  z.object({
    ...storedBaseShape,
    kind: z.optional(z.literal('remediation')),
    playbook: z.enum(PLAYBOOK_NAMES),
    params: jsonText(z.record(z.string(), z.unknown())),
    alert: jsonText(alertEventSchema),
    target: jsonText(targetSchema),
  }),
]);

function approvalOfItem(item: Record<string, AttributeValue>): ApprovalRecord {
  const plain = Object.fromEntries(
    Object.entries(item).map(([name, value]) => [
      name,
      value.S ?? (value.N === undefined ? value.BOOL : Number(value.N)),
    ]),
  );
  const stored = parseOrThrow(
    storedItemSchema,
    plain,
    (problems) =>
      new ApprovalRecordCorruptError(
        `approval item ${String(plain.pk)} is malformed: ${problems.join('; ')}`,
        {
          problems,
        },
      ),
    { showInput: false },
  );
  const {
    decision: outcome,
    approver,
    decidedAt,
    reason,
    via,
    sourceIp,
    userAgent,
    taskError,
    ...pending
  } = stored;
  return {
    ...(pending.kind === 'change' ? pending : { ...pending, target: pending.target as Target }),
    ...(outcome !== undefined && approver !== undefined && decidedAt !== undefined && via !== undefined
      ? {
          decision: {
            outcome,
            approver,
            decidedAt,
            via,
            ...(reason === undefined ? {} : { reason }),
            ...(sourceIp === undefined ? {} : { sourceIp }),
            ...(userAgent === undefined ? {} : { userAgent }),
          },
        }
      : {}),
    ...(taskError === undefined ? {} : { taskError }),
  };
}
