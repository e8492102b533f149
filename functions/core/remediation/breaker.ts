import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * A circuit breaker per playbook, in the ops table (`pk = BREAKER#<playbook>`): after `failures`
 * failed runs (the action failed, or the alert did not clear) within `windowMinutes` it opens, and
 * for `openMinutes` the workflow only escalates. Then it is half-open: one execution may try the
 * playbook again (a trial, taken with a conditional write so only one runs); its success closes
 * the breaker, its failure opens it again. Operators can close it by hand (runbooks/remediate.md).
 *
 * Failures are kept as a number set of their times (ADD is atomic, so concurrent failures all
 * count); each failure prunes the ones outside the window, which bounds the set.
 */
export interface BreakerTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export interface BreakerSettings {
  readonly failures: number;
  readonly windowMinutes: number;
  readonly openMinutes: number;
}

export type BreakerState =
  | { readonly state: 'CLOSED'; readonly recentFailures: number }
  | { readonly state: 'OPEN'; readonly openUntil: string; readonly openedAfterFailures: number }
  | { readonly state: 'HALF_OPEN'; readonly trialStartedAt?: string };

export type BreakerAdmission =
  | { readonly admitted: true; readonly trial: boolean }
  | { readonly admitted: false; readonly reason: string };

/** A trial that never reported (its execution died) frees the half-open breaker after this long. */
const TRIAL_TIMEOUT_MS = 30 * 60_000;
const SORT_KEY = 'BREAKER';

function key(playbook: string) {
  return { pk: { S: `BREAKER#${playbook}` }, sk: { S: SORT_KEY } };
}

type Item = Record<string, { N?: string; NS?: string[] }>;

async function readItem(table: BreakerTable, playbook: string): Promise<Item | undefined> {
  const { Item } = await callAws(`dynamodb:GetItem ${table.tableName} BREAKER#${playbook}`, () =>
    table.dynamoDb.send(
      new GetItemCommand({ TableName: table.tableName, Key: key(playbook), ConsistentRead: true }),
    ),
  );
  return Item as Item | undefined;
}

/** Failure times are stored as `<epoch ms><3 random digits>` so two failures in one ms stay two. */
function failureTimes(item: Item | undefined): number[] {
  return (item?.failures?.NS ?? []).map((value) => Math.floor(Number(value) / 1000));
}

function inWindow(times: readonly number[], now: Date, settings: BreakerSettings): number[] {
  const since = now.getTime() - settings.windowMinutes * 60_000;
  return times.filter((time) => time > since);
}

export async function readBreaker(
  table: BreakerTable,
  playbook: string,
  now: Date,
  settings: BreakerSettings,
): Promise<BreakerState> {
  const item = await readItem(table, playbook);
  const recentFailures = inWindow(failureTimes(item), now, settings).length;
  const openUntil = item?.openUntil?.N === undefined ? undefined : Number(item.openUntil.N);
  if (openUntil === undefined) return { state: 'CLOSED', recentFailures };
  if (now.getTime() < openUntil)
    return {
      state: 'OPEN',
      openUntil: new Date(openUntil).toISOString(),
      openedAfterFailures: Number(item?.openedAfterFailures?.N ?? recentFailures),
    };
  const trial = item?.trialStartedAt?.N;
  return { state: 'HALF_OPEN', trialStartedAt: trial ? new Date(Number(trial)).toISOString() : undefined };
}

/** May the playbook run now? Half-open lets exactly one execution through as a trial. */
export async function admitThroughBreaker(
  table: BreakerTable,
  playbook: string,
  now: Date,
  settings: BreakerSettings,
): Promise<BreakerAdmission> {
  const state = await readBreaker(table, playbook, now, settings);
  if (state.state === 'CLOSED') return { admitted: true, trial: false };
  if (state.state === 'OPEN') {
    return {
      admitted: false,
      reason: `the ${playbook} breaker is open until ${state.openUntil} after ${state.openedAfterFailures} failures within ${settings.windowMinutes} minutes`,
    };
  }
  try {
    await callAws(`dynamodb:UpdateItem ${table.tableName} BREAKER#${playbook} (trial)`, () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: key(playbook),
          UpdateExpression: 'SET trialStartedAt = :now',
          ConditionExpression:
            'openUntil <= :now AND (attribute_not_exists(trialStartedAt) OR trialStartedAt < :stale)',
          ExpressionAttributeValues: {
            ':now': { N: String(now.getTime()) },
            ':stale': { N: String(now.getTime() - TRIAL_TIMEOUT_MS) },
          },
        }),
      ),
    );
    return { admitted: true, trial: true };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    return {
      admitted: false,
      reason: `the ${playbook} breaker is half-open and another execution is running its trial`,
    };
  }
}

/** Success closes the breaker; a failure counts, and opens it at the threshold or after a failed trial. */
export async function recordPlaybookOutcome(
  table: BreakerTable,
  playbook: string,
  succeeded: boolean,
  now: Date,
  settings: BreakerSettings,
): Promise<BreakerState> {
  const operation = `dynamodb:UpdateItem ${table.tableName} BREAKER#${playbook}`;
  if (succeeded) {
    await callAws(operation, () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: key(playbook),
          UpdateExpression: 'REMOVE failures, openUntil, openedAfterFailures, trialStartedAt',
        }),
      ),
    );
    return { state: 'CLOSED', recentFailures: 0 };
  }
  const failure = String(now.getTime() * 1000 + Math.floor(Math.random() * 1000));
  const { Attributes } = await callAws(operation, () =>
    table.dynamoDb.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: key(playbook),
        UpdateExpression: 'ADD failures :failure',
        ExpressionAttributeValues: { ':failure': { NS: [failure] } },
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  const item = Attributes as Item | undefined;
  const all = item?.failures?.NS ?? [];
  const recent = inWindow(failureTimes(item), now, settings);
  const failedTrial = item?.trialStartedAt?.N !== undefined;
  const stale = all.filter((value) => !recent.includes(Math.floor(Number(value) / 1000)));
  const opens = failedTrial || recent.length >= settings.failures;
  if (!opens && stale.length === 0) return { state: 'CLOSED', recentFailures: recent.length };
  const openUntil = now.getTime() + settings.openMinutes * 60_000;
  await callAws(operation, () =>
    table.dynamoDb.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: key(playbook),
        UpdateExpression: [
          opens ? 'SET openUntil = :openUntil, openedAfterFailures = :count REMOVE trialStartedAt' : '',
          stale.length > 0 ? 'DELETE failures :stale' : '',
        ]
          .filter(Boolean)
          .join(' '),
        ExpressionAttributeValues: {
          ...(opens
            ? { ':openUntil': { N: String(openUntil) }, ':count': { N: String(recent.length) } }
            : {}),
          ...(stale.length > 0 ? { ':stale': { NS: stale } } : {}),
        },
      }),
    ),
  );
  return opens
    ? { state: 'OPEN', openUntil: new Date(openUntil).toISOString(), openedAfterFailures: recent.length }
    : { state: 'CLOSED', recentFailures: recent.length };
}

/** An operator closes the breaker by hand: failures forgotten, no trial pending. */
export async function resetBreaker(table: BreakerTable, playbook: string): Promise<void> {
  await recordPlaybookOutcome(table, playbook, true, new Date(), {
    failures: 1,
    windowMinutes: 1,
    openMinutes: 1,
  });
}
