import {
  type ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { ConfigurationError, InvalidInputError, LockHeldError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * A lease lock on the ops table: one item per lock, `pk = LOCK#<scope>#<name>`, `sk = LOCK`, with
 * its `owner` and `expiresAt` (epoch seconds). Taking it is one conditional PutItem, so two
 * workflows racing for the same lock cannot both win. A lease expires by itself: an execution that
 * dies holding it (timeout, abort) blocks the next one only until `expiresAt`. The condition
 * compares `expiresAt` with the clock itself because DynamoDB's TTL deletes items late (and
 * dynalite never), so an expired item may still be there.
 */
export interface LockTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  /** Injected so tests can move time; defaults to the system clock. */
  clock?: () => Date;
}

/** `scope` groups locks by workflow ("backup", "remediation"); `name` is what is locked. */
const lockNameSchema = nonEmptyString().check(z.regex(/^[^#]+$/, 'must not contain "#"'));

export const lockRequestSchema = z.object({
  scope: lockNameSchema,
  name: lockNameSchema,
  /** Who holds it; workflows use their execution name, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
  ttlSeconds: z.number().check(z.int(), z.positive()),
});
export type LockRequest = z.output<typeof lockRequestSchema>;

export const lockReleaseSchema = z.object({
  scope: lockNameSchema,
  name: lockNameSchema,
  owner: nonEmptyString(),
});
export type LockRelease = z.output<typeof lockReleaseSchema>;

export interface Lease {
  scope: string;
  name: string;
  owner: string;
  acquiredAt: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface ReleaseResult {
  scope: string;
  name: string;
  /** false when the lease was no longer this owner's (expired and taken over, or already gone). */
  released: boolean;
  /** Who holds it now, when it is not released because someone else does. */
  heldBy?: string;
}

export const LOCK_SORT_KEY = 'LOCK';

export function lockKey(scope: string, name: string): string {
  return `LOCK#${scope}#${name}`;
}

/**
 * Takes the lease, or renews it when `owner` already holds it (a step retried after its first
 * attempt's response was lost must not lock itself out). Throws LockHeldError naming the holder.
 */
export async function acquireLock(table: LockTable, request: LockRequest): Promise<Lease> {
  const { scope, name, owner, ttlSeconds } = validate(lockRequestSchema, request, 'lock request');
  const now = (table.clock ?? (() => new Date()))();
  const nowSeconds = epochSeconds(now);
  const expiresAt = nowSeconds + ttlSeconds;
  const pk = lockKey(scope, name);
  const operation = `dynamodb:PutItem ${table.tableName} ${pk}`;
  try {
    await callAws(operation, () =>
      table.dynamoDb.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: {
            pk: { S: pk },
            sk: { S: LOCK_SORT_KEY },
            owner: { S: owner },
            acquiredAt: { S: now.toISOString() },
            expiresAt: { N: String(expiresAt) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':owner': { S: owner } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      const holder = error.Item ? describeHolder(error.Item) : await readHolder(table, pk);
      throw new LockHeldError(
        `${scope} lock "${name}" is held by ${holder.owner} until ${new Date(holder.expiresAt * 1000).toISOString()}`,
        { scope, name, holder: holder.owner, expiresAt: holder.expiresAt },
      );
    }
    throw mapTableErrors(error, table.tableName);
  }
  return { scope, name, owner, acquiredAt: now.toISOString(), expiresAt };
}

/**
 * Deletes the lease if `owner` still holds it. Releasing a lease that is gone or has passed to
 * another owner is not an error (the work it guarded is over either way), but is reported.
 */
export async function releaseLock(table: LockTable, release: LockRelease): Promise<ReleaseResult> {
  const { scope, name, owner } = validate(lockReleaseSchema, release, 'lock release');
  const pk = lockKey(scope, name);
  try {
    await callAws(`dynamodb:DeleteItem ${table.tableName} ${pk}`, () =>
      table.dynamoDb.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: { pk: { S: pk }, sk: { S: LOCK_SORT_KEY } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      const item = error.Item ?? (await readItem(table, pk));
      return item
        ? { scope, name, released: false, heldBy: describeHolder(item).owner }
        : { scope, name, released: false };
    }
    throw mapTableErrors(error, table.tableName);
  }
  return { scope, name, released: true };
}

function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

type Item = Record<string, { S?: string; N?: string }>;

interface Holder {
  owner: string;
  expiresAt: number;
}

function describeHolder(item: Item): Holder {
  return { owner: item.owner?.S ?? 'an unknown owner', expiresAt: Number(item.expiresAt?.N ?? 0) };
}

/** DynamoDB versions (and dynalite) without ReturnValuesOnConditionCheckFailure: read the holder. */
async function readHolder(table: LockTable, pk: string): Promise<Holder> {
  const item = await readItem(table, pk);
  // Released between our write and this read: still a conflict for this attempt; the retry wins.
  return item ? describeHolder(item) : { owner: 'an owner that has just released it', expiresAt: 0 };
}

async function readItem(table: LockTable, pk: string): Promise<Item | undefined> {
  const { Item } = await callAws(`dynamodb:GetItem ${table.tableName} ${pk}`, () =>
    table.dynamoDb.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: pk }, sk: { S: LOCK_SORT_KEY } },
        ConsistentRead: true,
      }),
    ),
  ).catch((error: unknown) => {
    throw mapTableErrors(error, table.tableName);
  });
  return Item as Item | undefined;
}

function mapTableErrors(error: unknown, tableName: string): unknown {
  if ((error as Error).name === 'ResourceNotFoundException') {
    return new ConfigurationError(
      `the ops table ${tableName} does not exist`,
      { tableName },
      { cause: error },
    );
  }
  return error;
}

function validate<Schema extends z.core.$ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  return parseOrThrow(
    schema,
    value,
    (problems) => new InvalidInputError(`invalid ${what}: ${problems.join('; ')}`, { problems }),
  );
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
