import { BatchGetItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * Rate limits on remediation actions, in the ops table so every Lambda and execution shares them
 * (DESIGN.md: never in process memory). Each limit counts actions per hour with a sliding-window
 * counter: the current clock hour's count plus the previous hour's, weighted by how much of it
 * still lies inside the last 60 minutes. An action is admitted when that estimate stays within
 * the limit; each counter is taken with one conditional UpdateItem, so concurrent executions can
 * never admit more than the limit between them.
 *
 * The limits of one action (global, per playbook, per target) are taken one after the other and
 * the ones already taken are given back when a later one refuses: DynamoDB transactions would do
 * it in one call, but dynalite (the local DynamoDB) has none, and a refusal that briefly holds a
 * slot errs on the safe side.
 */
export interface RateLimitTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export interface RateLimit {
  /** `global`, `playbook#<name>`, `target#<cluster/namespace/Kind/name>`. */
  readonly scope: string;
  readonly perHour: number;
}

export type RateDecision =
  | { readonly admitted: true; readonly taken: readonly string[] }
  | {
      readonly admitted: false;
      readonly scope: string;
      readonly perHour: number;
      /** The sliding-window estimate of actions in the last hour when it refused. */
      readonly recent: number;
    };

const HOUR_MS = 3_600_000;
/** Counters outlive the window that reads them (the next hour's estimate) by a margin. */
const COUNTER_TTL_SECONDS = 3 * 3600;

/** The clock hour `now` counts in (its counters' sort key); `giveBack` needs it. */
export function windowStart(now: Date, offsetHours = 0): string {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - offsetHours * HOUR_MS).toISOString();
}

function counterKey(scope: string, window: string) {
  return { pk: { S: `RATE#${scope}` }, sk: { S: window } };
}

/** Weight of the previous hour: the share of it still inside the last 60 minutes. */
function previousWeight(now: Date): number {
  return 1 - (now.getTime() % HOUR_MS) / HOUR_MS;
}

async function readCounts(
  table: RateLimitTable,
  scopes: readonly string[],
  window: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (scopes.length === 0) return counts;
  const response = await callAws(`dynamodb:BatchGetItem ${table.tableName} (rate limits)`, () =>
    table.dynamoDb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [table.tableName]: {
            Keys: scopes.map((scope) => counterKey(scope, window)),
            ConsistentRead: true,
          },
        },
      }),
    ),
  );
  for (const item of response.Responses?.[table.tableName] ?? []) {
    counts.set(item.pk!.S!.slice('RATE#'.length), Number(item.count?.N ?? 0));
  }
  return counts;
}

/** The estimates of every limit, without taking anything (dry runs, reports). */
export async function peekRateLimits(
  table: RateLimitTable,
  limits: readonly RateLimit[],
  now: Date,
): Promise<RateDecision> {
  const scopes = limits.map((limit) => limit.scope);
  const [previous, current] = await Promise.all([
    readCounts(table, scopes, windowStart(now, 1)),
    readCounts(table, scopes, windowStart(now)),
  ]);
  const weight = previousWeight(now);
  for (const limit of limits) {
    const recent = (previous.get(limit.scope) ?? 0) * weight + (current.get(limit.scope) ?? 0);
    if (recent + 1 > limit.perHour) return { admitted: false, ...limit, recent: round(recent) };
  }
  return { admitted: true, taken: [] };
}

/** Takes one action slot of every limit, or none: the first limit that refuses is reported. */
export async function takeRateLimits(
  table: RateLimitTable,
  limits: readonly RateLimit[],
  now: Date,
): Promise<RateDecision> {
  const previous = await readCounts(
    table,
    limits.map((limit) => limit.scope),
    windowStart(now, 1),
  );
  const weight = previousWeight(now);
  const window = windowStart(now);
  const taken: string[] = [];
  for (const limit of limits) {
    const carried = (previous.get(limit.scope) ?? 0) * weight;
    // count + 1 + carried <= perHour, for a whole count: count < ceil(perHour - carried).
    const allowed = Math.ceil(limit.perHour - carried);
    const refusedAt = await increment(table, limit.scope, window, allowed, now);
    if (refusedAt !== undefined) {
      await giveBack(table, taken, window);
      return { admitted: false, ...limit, recent: round(carried + refusedAt) };
    }
    taken.push(limit.scope);
  }
  return { admitted: true, taken };
}

/** Adds one to the window's counter while it is below `allowed`; else returns the count it found. */
async function increment(
  table: RateLimitTable,
  scope: string,
  window: string,
  allowed: number,
  now: Date,
): Promise<number | undefined> {
  try {
    await callAws(`dynamodb:UpdateItem ${table.tableName} RATE#${scope}`, () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: counterKey(scope, window),
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :allowed',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':allowed': { N: String(allowed) },
            ':expiresAt': { N: String(Math.floor(now.getTime() / 1000) + COUNTER_TTL_SECONDS) },
          },
        }),
      ),
    );
    return undefined;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const counts = await readCounts(table, [scope], window);
    return counts.get(scope) ?? allowed;
  }
}

/** Returns slots taken by an action that another limit then refused. */
export async function giveBack(
  table: RateLimitTable,
  scopes: readonly string[],
  window: string,
): Promise<void> {
  await Promise.all(
    scopes.map((scope) =>
      callAws(`dynamodb:UpdateItem ${table.tableName} RATE#${scope} (give back)`, () =>
        table.dynamoDb.send(
          new UpdateItemCommand({
            TableName: table.tableName,
            Key: counterKey(scope, window),
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: '#count > :zero',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':zero': { N: '0' } },
          }),
        ),
      ),
    ),
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The limits of one action: the global cap, its playbook's, its target's. */
export function actionLimits(
  limits: { globalPerHour: number; perPlaybookPerHour: number; perTargetPerHour: number },
  playbook: string,
  targetKey: string,
): RateLimit[] {
  return [
    { scope: 'global', perHour: limits.globalPerHour },
    { scope: `playbook#${playbook}`, perHour: limits.perPlaybookPerHour },
    { scope: `target#${targetKey}`, perHour: limits.perTargetPerHour },
  ];
}
