import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { ConfigurationError, TransientError } from '../../../commons/errors.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { FAILOVER_MODES, type FailoverMode } from '../failover/request.ts';
import { versionedPut } from '../versioned-item.ts';
import { DNS_RECORD_TYPES, dnsRecordTargetSchema } from './records.ts';
import type { SwitchDirection } from './settings.ts';

/**
 * What a failover's traffic switch moved, on the ops table: `pk = TRAFFIC#<environment>#<failoverId>`,
 * `sk = SWITCH#<direction>`, the records with where each pointed `before` the switch and its target
 * `after` (JSON in `records`), the mode, the Route 53 change (`changeId`, `submittedAt`, `insyncAt`)
 * and a `version` every write is conditional on. `before` is saved ahead of the change and never
 * replaced, so a re-run keeps the targets from before the failover (never the DR ones it finds
 * now), and failback switches exactly back to them. Items never expire: they are the failover's
 * record.
 */
export interface TrafficTable {
  readonly dynamoDb: DynamoDBClient;
  readonly tableName: string;
  readonly clock?: () => Date;
}

export interface TrafficKey {
  readonly environment: string;
  readonly failoverId: string;
}

const switchedRecordSchema = z.strictObject({
  name: z.string(),
  type: z.enum(DNS_RECORD_TYPES),
  before: dnsRecordTargetSchema,
  after: dnsRecordTargetSchema,
});
export type SwitchedRecord = z.output<typeof switchedRecordSchema>;
const switchedRecordsSchema = z.array(switchedRecordSchema);

export interface TrafficSwitchRecord {
  readonly direction: SwitchDirection;
  readonly mode: FailoverMode;
  readonly version: number;
  readonly records: readonly SwitchedRecord[];
  readonly savedAt: string;
  readonly changeId?: string;
  readonly submittedAt?: string;
  readonly insyncAt?: string;
}

function itemKey({ environment, failoverId }: TrafficKey, direction: SwitchDirection) {
  return { pk: { S: `TRAFFIC#${environment}#${failoverId}` }, sk: { S: `SWITCH#${direction}` } };
}

function send<Result>(table: TrafficTable, operation: string, call: () => Promise<Result>): Promise<Result> {
  return callAws(`dynamodb:${operation} ${table.tableName} (traffic switch)`, call);
}

function now(table: TrafficTable): string {
  return (table.clock ?? (() => new Date()))().toISOString();
}

export async function readTrafficSwitch(
  table: TrafficTable,
  key: TrafficKey,
  direction: SwitchDirection,
): Promise<TrafficSwitchRecord | undefined> {
  const { Item } = await send(table, 'GetItem', () =>
    table.dynamoDb.send(
      new GetItemCommand({ TableName: table.tableName, Key: itemKey(key, direction), ConsistentRead: true }),
    ),
  );
  if (!Item) return undefined;
  const text = (name: string) => Item[name]?.S;
  const damaged = (problems: string[]) =>
    new ConfigurationError(
      `the recorded ${direction} traffic switch of failover ${key.failoverId} in ${key.environment} is damaged (${problems.join('; ')}): compare the zone with the failover's journal by hand`,
      { ...key, direction, problems },
    );
  let json: unknown;
  try {
    json = JSON.parse(text('records') ?? '');
  } catch (error) {
    throw damaged([(error as Error).message]);
  }
  const records = parseOrThrow(switchedRecordsSchema, json, damaged);
  const mode = text('mode') as FailoverMode;
  if (!FAILOVER_MODES.includes(mode))
    throw damaged([`mode ${mode} is not one of ${FAILOVER_MODES.join(', ')}`]);
  const optional = (name: 'changeId' | 'submittedAt' | 'insyncAt') =>
    text(name) === undefined ? {} : { [name]: text(name) };
  return {
    direction,
    mode,
    version: Number(Item.version?.N ?? 0),
    records,
    savedAt: text('savedAt') ?? '',
    ...optional('changeId'),
    ...optional('submittedAt'),
    ...optional('insyncAt'),
  };
}

/**
 * Writes the records if the item is still the `stored` one (no write when nothing changed).
 * Another writer in between is a TransientError: the retry reads and merges again.
 */
export async function saveTrafficSwitch(
  table: TrafficTable,
  key: TrafficKey,
  direction: SwitchDirection,
  stored: TrafficSwitchRecord | undefined,
  update: { mode: FailoverMode; records: readonly SwitchedRecord[] },
): Promise<TrafficSwitchRecord> {
  const json = JSON.stringify(update.records);
  if (stored && JSON.stringify(stored.records) === json) return stored;
  const saved: TrafficSwitchRecord = {
    ...stored,
    direction,
    mode: update.mode,
    version: (stored?.version ?? 0) + 1,
    records: update.records,
    savedAt: now(table),
  };
  const optional = (name: 'changeId' | 'submittedAt' | 'insyncAt') =>
    saved[name] === undefined ? {} : { [name]: { S: saved[name] } };
  try {
    await send(table, 'PutItem', () =>
      table.dynamoDb.send(
        versionedPut(
          table.tableName,
          {
            ...itemKey(key, direction),
            environment: { S: key.environment },
            failoverId: { S: key.failoverId },
            direction: { S: direction },
            mode: { S: saved.mode },
            version: { N: String(saved.version) },
            records: { S: json },
            savedAt: { S: saved.savedAt },
            ...optional('changeId'),
            ...optional('submittedAt'),
            ...optional('insyncAt'),
          },
          stored?.version,
        ),
      ),
    );
  } catch (error) {
    throw conflictOr(error, key, direction);
  }
  return saved;
}

/** The Route 53 change that moved the records (a later change of the same switch replaces it). */
export async function recordTrafficChange(
  table: TrafficTable,
  key: TrafficKey,
  saved: TrafficSwitchRecord,
  changeId: string,
): Promise<TrafficSwitchRecord> {
  const submittedAt = now(table);
  await updateVersioned(table, key, saved, 'SET changeId = :change, submittedAt = :at REMOVE insyncAt', {
    ':change': { S: changeId },
    ':at': { S: submittedAt },
  });
  const { insyncAt: _, ...rest } = saved;
  return { ...rest, version: saved.version + 1, changeId, submittedAt };
}

export async function markTrafficInSync(
  table: TrafficTable,
  key: TrafficKey,
  saved: TrafficSwitchRecord,
): Promise<TrafficSwitchRecord> {
  const insyncAt = now(table);
  await updateVersioned(table, key, saved, 'SET insyncAt = :at', { ':at': { S: insyncAt } });
  return { ...saved, version: saved.version + 1, insyncAt };
}

async function updateVersioned(
  table: TrafficTable,
  key: TrafficKey,
  saved: TrafficSwitchRecord,
  expression: string,
  values: Record<string, { S: string }>,
): Promise<void> {
  try {
    await send(table, 'UpdateItem', () =>
      table.dynamoDb.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: itemKey(key, saved.direction),
          UpdateExpression: `${expression.replace(/^SET /, 'SET version = :next, ')}`,
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: {
            ...values,
            ':expected': { N: String(saved.version) },
            ':next': { N: String(saved.version + 1) },
          },
        }),
      ),
    );
  } catch (error) {
    throw conflictOr(error, key, saved.direction);
  }
}

function conflictOr(error: unknown, key: TrafficKey, direction: SwitchDirection): unknown {
  if ((error as Error | undefined)?.name !== 'ConditionalCheckFailedException') return error;
  return new TransientError(
    `the recorded ${direction} traffic switch of failover ${key.failoverId} in ${key.environment} changed while this call worked (another attempt wrote first): look again`,
    { ...key, direction },
  );
}
