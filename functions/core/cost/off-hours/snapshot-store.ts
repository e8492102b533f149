import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError, namedError } from '../../../commons/errors.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { type SavedState, savedStateSchema } from './saved-state.ts';

/**
 * One snapshot per environment on the ops table, `pk = OFFHOURS#<environment>`, `sk = SNAPSHOT`:
 * the state sleep saved, which wake restores and then deletes. Its presence is what "asleep"
 * means. `phase` is `falling-asleep` from the save until sleep verified the scale-down, then
 * `asleep`. Every write is conditional on `version`, so a save can never replace a snapshot it
 * did not read (and so never the real replica counts with the zeros of an earlier sleep).
 */
export interface SnapshotTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  clock?: () => Date;
}

export const SNAPSHOT_PHASES = ['falling-asleep', 'asleep'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];

export interface OffHoursSnapshot {
  readonly environment: string;
  readonly phase: SnapshotPhase;
  /** Incremented by every save; 1 for the first. */
  readonly version: number;
  /** When it was last saved. */
  readonly savedAt: string;
  /** The execution that saved it last. */
  readonly savedBy: string;
  readonly asleepAt?: string;
  readonly state: SavedState;
}

/** The snapshot changed since it was read: another execution got there first. Plan again. */
export class SnapshotConflictError extends namedError('SnapshotConflictError') {}

export const SNAPSHOT_SORT_KEY = 'SNAPSHOT';
/** Far below DynamoDB's 400 KB item limit: thousands of objects; more means a wrong scope. */
export const MAX_STATE_JSON_LENGTH = 300_000;

export function snapshotKey(environment: string): Record<string, AttributeValue> {
  return { pk: { S: `OFFHOURS#${environment}` }, sk: { S: SNAPSHOT_SORT_KEY } };
}

function now(table: SnapshotTable): string {
  return (table.clock ?? (() => new Date()))().toISOString();
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

async function send<Result>(table: SnapshotTable, operation: string, call: () => Promise<Result>) {
  try {
    return await callAws(`${operation} ${table.tableName} (off-hours snapshot)`, call);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new ConfigurationError(`the ops table ${table.tableName} does not exist`, {
        tableName: table.tableName,
      });
    }
    throw error;
  }
}

export async function readSnapshot(
  table: SnapshotTable,
  environment: string,
): Promise<OffHoursSnapshot | undefined> {
  const { Item } = await send(table, 'dynamodb:GetItem', () =>
    table.dynamoDb.send(
      new GetItemCommand({ TableName: table.tableName, Key: snapshotKey(environment), ConsistentRead: true }),
    ),
  );
  return Item ? snapshotFrom(environment, Item) : undefined;
}

function snapshotFrom(environment: string, item: Record<string, AttributeValue>): OffHoursSnapshot {
  const text = (name: string) => item[name]?.S;
  let json: unknown;
  try {
    json = JSON.parse(text('state') ?? '');
  } catch {
    json = undefined;
  }
  const state = parseOrThrow(
    savedStateSchema,
    json,
    (problems) =>
      new ConfigurationError(
        `the off-hours snapshot of ${environment} is damaged (${problems.join('; ')}): restore the replicas by hand from the audit trail's save record and delete the item`,
        { environment, problems },
      ),
  );
  const phase = text('phase') === 'asleep' ? 'asleep' : 'falling-asleep';
  const asleepAt = text('asleepAt');
  return {
    environment,
    phase,
    version: Number(item.version?.N ?? 0),
    savedAt: text('savedAt') ?? '',
    savedBy: text('savedBy') ?? '',
    ...(asleepAt ? { asleepAt } : {}),
    state,
  };
}

export interface SaveRequest {
  readonly environment: string;
  readonly state: SavedState;
  /** The version the plan read; undefined when there was no snapshot. */
  readonly expectedVersion?: number;
  readonly executionId: string;
}

/**
 * Writes the merged state (phase falling-asleep) if the snapshot is still the one the plan read.
 * A retried step whose first attempt already wrote exactly this is a success; any other change in
 * between is a SnapshotConflictError.
 */
export async function saveSnapshot(table: SnapshotTable, request: SaveRequest): Promise<OffHoursSnapshot> {
  // Canonical key order (the schema's), so a retried save compares equal to what it stored.
  const stateJson = JSON.stringify(savedStateSchema.parse(request.state));
  if (stateJson.length > MAX_STATE_JSON_LENGTH) {
    throw new ConfigurationError(
      `the off-hours state of ${request.environment} is ${stateJson.length} characters of JSON, more than ${MAX_STATE_JSON_LENGTH}: narrow the off-hours namespaces`,
      { environment: request.environment, length: stateJson.length },
    );
  }
  const version = (request.expectedVersion ?? 0) + 1;
  const savedAt = now(table);
  try {
    await send(table, 'dynamodb:PutItem', () =>
      table.dynamoDb.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: {
            ...snapshotKey(request.environment),
            phase: { S: 'falling-asleep' },
            version: { N: String(version) },
            savedAt: { S: savedAt },
            savedBy: { S: request.executionId },
            state: { S: stateJson },
          },
          ConditionExpression:
            request.expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(request.expectedVersion === undefined
            ? {}
            : { ExpressionAttributeValues: { ':expected': { N: String(request.expectedVersion) } } }),
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const stored = await readSnapshot(table, request.environment);
    const sameWrite =
      stored?.version === version &&
      stored.savedBy === request.executionId &&
      JSON.stringify(stored.state) === stateJson;
    if (stored && sameWrite) return stored;
    throw new SnapshotConflictError(
      `the off-hours snapshot of ${request.environment} changed since it was planned (now version ${stored?.version ?? 'none'}, saved by ${stored?.savedBy ?? 'nobody'}): run the workflow again`,
      { environment: request.environment, expectedVersion: request.expectedVersion, found: stored?.version },
    );
  }
  return {
    environment: request.environment,
    phase: 'falling-asleep',
    version,
    savedAt,
    savedBy: request.executionId,
    state: request.state,
  };
}

/** Marks the snapshot asleep once sleep verified the scale-down; idempotent. */
export async function markAsleep(
  table: SnapshotTable,
  environment: string,
  version: number,
): Promise<{ asleepAt: string }> {
  const asleepAt = now(table);
  try {
    const { Attributes } = await send(table, 'dynamodb:UpdateItem', () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: snapshotKey(environment),
          UpdateExpression: 'SET phase = :asleep, asleepAt = if_not_exists(asleepAt, :at)',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: {
            ':asleep': { S: 'asleep' },
            ':at': { S: asleepAt },
            ':version': { N: String(version) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return { asleepAt: Attributes?.asleepAt?.S ?? asleepAt };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw new SnapshotConflictError(
      `the off-hours snapshot of ${environment} is no longer version ${version}: another execution changed or cleared it`,
      { environment, version },
    );
  }
}

/**
 * Deletes the snapshot after wake restored it; a snapshot already gone (a retried step) is fine,
 * one saved again since (another version) is left alone and reported.
 */
export async function clearSnapshot(
  table: SnapshotTable,
  environment: string,
  version: number,
): Promise<{ cleared: boolean }> {
  try {
    await send(table, 'dynamodb:DeleteItem', () =>
      table.dynamoDb.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: snapshotKey(environment),
          ConditionExpression: 'attribute_not_exists(pk) OR version = :version',
          ExpressionAttributeValues: { ':version': { N: String(version) } },
        }),
      ),
    );
    return { cleared: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw new SnapshotConflictError(
      `the off-hours snapshot of ${environment} was saved again (no longer version ${version}) while waking: it was not cleared`,
      { environment, version },
    );
  }
}
