import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type * as z from 'zod/mini';
import { ConfigurationError, namedError, TransientError } from '../../../commons/errors.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { versionedPut } from '../versioned-item.ts';
import type { FenceKey, FenceStep } from './outcome.ts';

/**
 * What each fence step changed, as it was before (docs/dr.md, "Fencing"), on the ops table:
 * `pk = FENCE#<environment>#<failoverId>`, `sk = <side>#<step>`, the originals as JSON in
 * `original`, and `phase`: `fencing` from the save until the step's changes are made, `fenced`,
 * then `lifted` once the originals were given back.
 *
 * A step saves before it changes anything. Every save is conditional on the `version` it read, and
 * the steps merge what they find into what is saved without ever replacing a saved entry, so the
 * re-run of a step that failed half-way keeps the values from before the fence, never the fenced
 * ones it finds now. Items never expire: they are the fence's record and the failback's input.
 */
export interface FenceTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  clock?: () => Date;
}

export const FENCE_PHASES = ['fencing', 'fenced', 'lifted'] as const;
export type FencePhase = (typeof FENCE_PHASES)[number];

export interface FenceRecord<State> {
  readonly step: FenceStep;
  readonly phase: FencePhase;
  readonly version: number;
  readonly original: State;
  readonly savedAt: string;
  readonly fencedAt?: string;
  readonly liftedAt?: string;
  /** What the step measured once, when it first completed (the replication lag at fencing). */
  readonly facts?: Record<string, unknown>;
}

/** The fence was lifted already: a lifted fence is never put up again under the same failover. */
export class FenceLiftedError extends namedError('FenceLiftedError') {}

/** Far below DynamoDB's 400 KB item limit. */
export const MAX_ORIGINAL_JSON_LENGTH = 300_000;

export function fenceKey({ environment, failoverId, side }: FenceKey, step: FenceStep) {
  return { pk: { S: `FENCE#${environment}#${failoverId}` }, sk: { S: `${side}#${step}` } };
}

function now(table: FenceTable): string {
  return (table.clock ?? (() => new Date()))().toISOString();
}

function send<Result>(table: FenceTable, operation: string, call: () => Promise<Result>): Promise<Result> {
  return callAws(`dynamodb:${operation} ${table.tableName} (fence)`, call);
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

export async function readFenceRecord<Schema extends z.core.$ZodType>(
  table: FenceTable,
  key: FenceKey,
  step: FenceStep,
  schema: Schema,
): Promise<FenceRecord<z.output<Schema>> | undefined> {
  const { Item } = await send(table, 'GetItem', () =>
    table.dynamoDb.send(
      new GetItemCommand({ TableName: table.tableName, Key: fenceKey(key, step), ConsistentRead: true }),
    ),
  );
  if (!Item) return undefined;
  const text = (name: string) => Item[name]?.S;
  const original = parseOrThrow(
    schema,
    parseJson(text('original')),
    (problems) =>
      new ConfigurationError(
        `the saved ${step} fence state of failover ${key.failoverId} in ${key.environment} is damaged (${problems.join('; ')}): restore by hand from the failover's journal`,
        { ...key, step, problems },
      ),
  );
  const facts = parseJson(text('facts'));
  const phase = (FENCE_PHASES as readonly string[]).includes(text('phase') ?? '') ? text('phase') : 'fencing';
  return {
    step,
    phase: phase as FencePhase,
    version: Number(Item.version?.N ?? 0),
    original,
    savedAt: text('savedAt') ?? '',
    ...(text('fencedAt') ? { fencedAt: text('fencedAt') } : {}),
    ...(text('liftedAt') ? { liftedAt: text('liftedAt') } : {}),
    ...(facts && typeof facts === 'object' ? { facts: facts as Record<string, unknown> } : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Writes the merged originals if the record is still the `stored` one the step planned from (no
 * write when nothing was added). Another writer in between is a TransientError: the step's retry
 * reads again and merges again, so nothing saved is ever lost.
 */
export async function saveOriginals<State>(
  table: FenceTable,
  key: FenceKey,
  step: FenceStep,
  stored: FenceRecord<State> | undefined,
  original: State,
): Promise<{ version: number; written: boolean }> {
  if (stored?.phase === 'lifted') {
    throw new FenceLiftedError(
      `the ${step} fence of failover ${key.failoverId} in ${key.environment} was lifted at ${stored.liftedAt}: open a new failover to fence again`,
      { ...key, step },
    );
  }
  const json = JSON.stringify(original);
  if (stored && JSON.stringify(stored.original) === json) return { version: stored.version, written: false };
  if (json.length > MAX_ORIGINAL_JSON_LENGTH) {
    throw new ConfigurationError(
      `the ${step} fence state is ${json.length} characters of JSON, more than ${MAX_ORIGINAL_JSON_LENGTH}: narrow what the fence covers`,
      { ...key, step, length: json.length },
    );
  }
  const version = (stored?.version ?? 0) + 1;
  try {
    await send(table, 'PutItem', () =>
      table.dynamoDb.send(
        versionedPut(
          table.tableName,
          {
            ...fenceKey(key, step),
            environment: { S: key.environment },
            failoverId: { S: key.failoverId },
            side: { S: key.side },
            step: { S: step },
            phase: { S: stored?.phase ?? 'fencing' },
            version: { N: String(version) },
            original: { S: json },
            savedAt: { S: now(table) },
            ...(stored?.fencedAt ? { fencedAt: { S: stored.fencedAt } } : {}),
            ...(stored?.facts ? { facts: { S: JSON.stringify(stored.facts) } } : {}),
          },
          stored?.version,
        ),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw new TransientError(
      `the saved ${step} fence state of failover ${key.failoverId} changed while this step planned (another attempt saved first): plan again`,
      { ...key, step, expectedVersion: stored?.version ?? null },
    );
  }
  return { version, written: true };
}

async function setPhase(
  table: FenceTable,
  key: FenceKey,
  step: FenceStep,
  phase: 'fenced' | 'lifted',
  facts?: Record<string, unknown>,
): Promise<void> {
  const at = phase === 'fenced' ? 'fencedAt' : 'liftedAt';
  const values: Record<string, AttributeValue> = { ':phase': { S: phase }, ':at': { S: now(table) } };
  let update = `SET phase = :phase, ${at} = if_not_exists(${at}, :at)`;
  if (facts) {
    values[':facts'] = { S: JSON.stringify(facts) };
    update += ', facts = if_not_exists(facts, :facts)';
  }
  try {
    await send(table, 'UpdateItem', () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: fenceKey(key, step),
          UpdateExpression: update,
          // A lifted fence stays lifted: a late fence attempt must not mark it fenced again.
          ConditionExpression:
            phase === 'fenced' ? 'attribute_exists(pk) AND phase <> :lifted' : 'attribute_exists(pk)',
          ExpressionAttributeValues: phase === 'fenced' ? { ...values, ':lifted': { S: 'lifted' } } : values,
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw new FenceLiftedError(
      `the ${step} fence of failover ${key.failoverId} in ${key.environment} cannot be marked ${phase}: it is missing or was lifted`,
      { ...key, step, phase },
    );
  }
}

/** The step's changes are made; `facts` are kept from the first time only. */
export function markFenced(
  table: FenceTable,
  key: FenceKey,
  step: FenceStep,
  facts?: Record<string, unknown>,
): Promise<void> {
  return setPhase(table, key, step, 'fenced', facts);
}

export function markLifted(table: FenceTable, key: FenceKey, step: FenceStep): Promise<void> {
  return setPhase(table, key, step, 'lifted');
}
