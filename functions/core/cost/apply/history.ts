import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { queryAll } from '../../../commons/dynamodb-pages.ts';
import { LakehouseOpsError } from '../../../commons/errors.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import type { Resources, WorkloadRef } from '../recommendation.ts';
import { type ContainerResources, containerResourcesSchema, toResources } from './container-resources.ts';

/**
 * The history of applied right-sizing changes on the ops table, one partition per container:
 * `pk = RIGHTSIZING#<namespace>/<kind>/<name>/<container>`, `sk = APPLIED#<executionId>` (a
 * retried apply step writes the same item). It holds the before and after quantities and, after a
 * rollback, when it was rolled back. The weekly cap reads the last 7 days of it; items expire
 * (TTL `expiresAt`) after RETAIN_DAYS, and the reader filters by time itself because TTL deletes
 * late (dynalite never).
 */
export interface HistoryTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export const CAP_WINDOW_DAYS = 7;
const RETAIN_DAYS = 35;
const DAY_MS = 86_400_000;

export interface AppliedChangeRecord {
  readonly workload: WorkloadRef;
  readonly executionId: string;
  readonly appliedAt: string;
  readonly before: ContainerResources;
  readonly after: ContainerResources;
  readonly rolledBackAt?: string;
}

export class HistoryRecordCorruptError extends LakehouseOpsError {
  override readonly name = 'HistoryRecordCorruptError';
}

export function historyPartitionKey(workload: WorkloadRef): string {
  return `RIGHTSIZING#${workload.namespace}/${workload.kind}/${workload.name}/${workload.container}`;
}

function historyKey(workload: WorkloadRef, executionId: string): Record<string, AttributeValue> {
  return { pk: { S: historyPartitionKey(workload) }, sk: { S: `APPLIED#${executionId}` } };
}

export async function recordAppliedChange(table: HistoryTable, record: AppliedChangeRecord): Promise<void> {
  const expiresAt = Math.floor(Date.parse(record.appliedAt) / 1000) + RETAIN_DAYS * 86_400;
  await callAws(`dynamodb:PutItem ${table.tableName} (right-sizing history)`, () =>
    table.dynamoDb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          ...historyKey(record.workload, record.executionId),
          executionId: { S: record.executionId },
          appliedAt: { S: record.appliedAt },
          before: { S: JSON.stringify(record.before) },
          after: { S: JSON.stringify(record.after) },
          expiresAt: { N: String(expiresAt) },
        },
      }),
    ),
  );
}

export async function recordRollback(
  table: HistoryTable,
  workload: WorkloadRef,
  executionId: string,
  rolledBackAt: string,
): Promise<void> {
  await callAws(`dynamodb:UpdateItem ${table.tableName} (right-sizing history)`, () =>
    table.dynamoDb.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: historyKey(workload, executionId),
        UpdateExpression: 'SET rolledBackAt = if_not_exists(rolledBackAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': { S: rolledBackAt } },
      }),
    ),
  );
}

const storedSchema = z.object({
  executionId: z.string(),
  appliedAt: z.iso.datetime(),
  before: z.string(),
  after: z.string(),
  rolledBackAt: z.optional(z.string()),
});

function recordOfItem(workload: WorkloadRef, item: Record<string, AttributeValue>): AppliedChangeRecord {
  const plain = Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? value.N]));
  const corrupt = (problems: string[]) =>
    new HistoryRecordCorruptError(
      `right-sizing history item ${String(plain.pk)} ${String(plain.sk)} is malformed: ${problems.join('; ')}`,
      { problems },
    );
  const stored = parseOrThrow(storedSchema, plain, corrupt, { showInput: false });
  const resources = (text: string) => {
    try {
      return parseOrThrow(containerResourcesSchema, JSON.parse(text), corrupt);
    } catch (error) {
      if (error instanceof HistoryRecordCorruptError) throw error;
      throw corrupt(['before/after is not JSON']);
    }
  };
  return {
    workload,
    executionId: stored.executionId,
    appliedAt: stored.appliedAt,
    before: resources(stored.before),
    after: resources(stored.after),
    ...(stored.rolledBackAt === undefined ? {} : { rolledBackAt: stored.rolledBackAt }),
  };
}

/** The container's applied changes of the last CAP_WINDOW_DAYS, oldest first. */
export async function recentChanges(
  table: HistoryTable,
  workload: WorkloadRef,
  now: Date,
): Promise<AppliedChangeRecord[]> {
  const since = now.getTime() - CAP_WINDOW_DAYS * DAY_MS;
  const items = await queryAll(
    table.dynamoDb,
    {
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :applied)',
      ExpressionAttributeValues: {
        ':pk': { S: historyPartitionKey(workload) },
        ':applied': { S: 'APPLIED#' },
      },
    },
    `dynamodb:Query ${table.tableName} (right-sizing history)`,
  );
  return items
    .map((item) => recordOfItem(workload, item))
    .filter((record) => Date.parse(record.appliedAt) > since)
    .sort((a, b) => a.appliedAt.localeCompare(b.appliedAt));
}

/**
 * Each quantity as it was when the window began: the `before` of the oldest change of the window
 * that knew it. A rolled-back change counts too: its before-state is what was restored.
 */
export function weekAgoResources(changes: readonly AppliedChangeRecord[]): Resources {
  const weekAgo: Resources = { requests: {}, limits: {} };
  for (const change of [...changes].reverse()) {
    const before = toResources(change.before);
    for (const section of ['requests', 'limits'] as const) {
      for (const amount of ['cpuCores', 'memoryBytes'] as const) {
        const value = before[section][amount];
        if (value !== undefined) weekAgo[section][amount] = value;
      }
    }
  }
  return weekAgo;
}
