import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { queryPages } from '../../../commons/dynamodb-pages.ts';
import { TransientError } from '../../../commons/errors.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import type { ObjectEvent } from './object-event.ts';

/**
 * The pending journal on the ops table (docs/dr.md, "Pending journal and lag"): one item per
 * object event not yet replicated, written by the ingress before the event is queued and deleted
 * once the replica holds the object's state as of that event.
 *
 * `pk = REPLICATION#PENDING#<bucket>`, `sk = <eventTime>#<sequencer>#<key digest>`: the event time
 * leads the sort key (ISO 8601, fixed width), so a bucket's oldest pending event is one Query with
 * Limit 1 and ascending order. The key itself is too long for a sort key (1024 bytes each), hence
 * its digest; a repeated event maps to the same item, so recording it again changes nothing.
 * Items expire (`expiresAt`, the table's TTL attribute) after the queue's longest retention, so a
 * record nothing will ever clear does not stay forever; the reconciler clears them much sooner.
 */
export interface PendingTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
  /** Injected so tests can move time; defaults to the system clock. */
  clock?: () => Date;
}

/** SQS keeps a message at most 14 days; a pending record outliving that has no message left. */
export const PENDING_TTL_SECONDS = 14 * 24 * 3600;

export interface PendingRecord {
  bucket: string;
  key: string;
  eventName: string;
  eventTime: string;
}

export function pendingPartitionKey(bucket: string): string {
  return `REPLICATION#PENDING#${bucket}`;
}

export function pendingSortKey(event: Pick<ObjectEvent, 'eventTime' | 'key' | 'sequencer'>): string {
  const digest = createHash('sha256').update(event.key, 'utf8').digest('hex').slice(0, 16);
  return `${event.eventTime}#${sortableSequencer(event.sequencer)}#${digest}`;
}

/** MinIO's hex sequencer, left-padded so that string order is numeric order. */
function sortableSequencer(sequencer: string): string {
  return /^[0-9a-f]+$/i.test(sequencer) ? sequencer.toUpperCase().padStart(16, '0') : sequencer;
}

export async function recordPending(table: PendingTable, events: readonly ObjectEvent[]): Promise<void> {
  const now = (table.clock ?? (() => new Date()))();
  const expiresAt = Math.floor(now.getTime() / 1000) + PENDING_TTL_SECONDS;
  await writeBatches(
    table,
    uniqueByKey(events).map(
      (event): WriteRequest => ({
        PutRequest: {
          Item: {
            ...itemKey(event),
            bucket: { S: event.bucket },
            key: { S: event.key },
            eventName: { S: event.eventName },
            eventTime: { S: event.eventTime },
            recordedAt: { S: now.toISOString() },
            expiresAt: { N: String(expiresAt) },
          },
        },
      }),
    ),
  );
}

/** Deletes the records of `events`; a record already gone is no error. */
export async function clearPending(table: PendingTable, events: readonly ObjectEvent[]): Promise<void> {
  await writeBatches(
    table,
    uniqueByKey(events).map((event): WriteRequest => ({ DeleteRequest: { Key: itemKey(event) } })),
  );
}

/** The oldest pending record of `bucket`, or undefined when nothing is pending. */
export async function oldestPending(table: PendingTable, bucket: string): Promise<PendingRecord | undefined> {
  const pk = pendingPartitionKey(bucket);
  const result = await callAws(`dynamodb:Query ${table.tableName} ${pk}`, () =>
    table.dynamoDb.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ScanIndexForward: true,
        Limit: 1,
      }),
    ),
  );
  const item = result.Items?.[0];
  return item ? pendingRecordOf(item) : undefined;
}

/**
 * Deletes `bucket`'s records of events before `cutoff`, except those `keep` names, one page at a
 * time. For the reconciler: once it has brought the whole bucket to the state MinIO had after
 * `cutoff`, those events are replicated whatever became of their messages. Returns how many.
 */
export async function clearPendingBefore(
  table: PendingTable,
  bucket: string,
  cutoff: Date,
  keep: (record: PendingRecord) => boolean = () => false,
): Promise<number> {
  const pk = pendingPartitionKey(bucket);
  let cleared = 0;
  const pages = queryPages(
    table.dynamoDb,
    {
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND sk < :cutoff',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':cutoff': { S: cutoff.toISOString() } },
    },
    `dynamodb:Query ${table.tableName} ${pk}`,
  );
  for await (const page of pages) {
    const stale = page.filter((item) => !keep(pendingRecordOf(item)));
    await writeBatches(
      table,
      stale.map((item): WriteRequest => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
    );
    cleared += stale.length;
  }
  return cleared;
}

function itemKey(event: ObjectEvent): Record<string, AttributeValue> {
  return { pk: { S: pendingPartitionKey(event.bucket) }, sk: { S: pendingSortKey(event) } };
}

function pendingRecordOf(item: Record<string, AttributeValue>): PendingRecord {
  return {
    bucket: item.bucket?.S ?? '',
    key: item.key?.S ?? '',
    eventName: item.eventName?.S ?? '',
    eventTime: item.eventTime?.S ?? '',
  };
}

/** BatchWriteItem refuses two requests for one item; a repeated event is one record anyway. */
function uniqueByKey(events: readonly ObjectEvent[]): ObjectEvent[] {
  const byKey = new Map<string, ObjectEvent>();
  for (const event of events)
    byKey.set(`${pendingPartitionKey(event.bucket)}\n${pendingSortKey(event)}`, event);
  return [...byKey.values()];
}

const BATCH_WRITE_LIMIT = 25;
// Unprocessed items come back under throttling; a few short rounds absorb a burst, more would
// only hold the caller (MinIO, the queue) while the table stays saturated.
const UNPROCESSED_ROUNDS = 4;

async function writeBatches(table: PendingTable, requests: readonly WriteRequest[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let index = 0; index < requests.length; index += BATCH_WRITE_LIMIT) {
    batches.push(requests.slice(index, index + BATCH_WRITE_LIMIT));
  }
  await Promise.all(batches.map((batch) => writeBatch(table, batch)));
}

async function writeBatch(table: PendingTable, batch: WriteRequest[]): Promise<void> {
  let remaining = batch;
  for (let round = 1; remaining.length > 0; round += 1) {
    if (round > UNPROCESSED_ROUNDS) {
      throw new TransientError(
        `dynamodb:BatchWriteItem ${table.tableName}: ${remaining.length} pending-journal writes still unprocessed after ${UNPROCESSED_ROUNDS} rounds`,
        { tableName: table.tableName, unprocessed: remaining.length },
      );
    }
    if (round > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    const requestItems = { [table.tableName]: remaining };
    const output = await callAws(`dynamodb:BatchWriteItem ${table.tableName}`, () =>
      table.dynamoDb.send(new BatchWriteItemCommand({ RequestItems: requestItems })),
    );
    remaining = output.UnprocessedItems?.[table.tableName] ?? [];
  }
}
