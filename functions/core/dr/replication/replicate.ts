import { describeError } from '../../../commons/errors.ts';
import { describeSchemaProblems, safeParseWithMessages } from '../../../commons/schema-problems.ts';
import { mapConcurrent } from '../../backup/concurrency.ts';
import type { ReplicationLogger } from './dependencies.ts';
import { type ObjectEvent, objectEventSchema, objectIdentity } from './object-event.ts';
import { type ReplicationStores, type SyncOutcome, syncObject } from './object-sync.ts';
import { clearPending, type PendingTable } from './pending-journal.ts';

/**
 * The replicate function's work on one SQS batch (docs/dr.md, "Event path"): the messages of one
 * object are handled together (one sync serves them all), objects in parallel. Once an object's
 * replica holds its current state, the pending records of its events in the batch are cleared.
 * Whatever fails is reported back as a batch item failure, so SQS redelivers just those messages
 * and, after the queue's maxReceiveCount, moves them to the dead-letter queue.
 *
 * Each replicated object gets a debug line with the times its lag is made of (event, queued,
 * batch started, replica written), so that with the log level at DEBUG the lag can be broken down
 * by stage (bench/dr) without a store of its own.
 */
export interface ReplicateDependencies {
  stores: ReplicationStores;
  table: PendingTable;
  logger: ReplicationLogger;
  /** Objects synced at the same time; 4 by default, as the backup copy (docs/backup.md). */
  concurrency?: number;
  /** Injected so tests can move time; defaults to the system clock. */
  clock?: () => Date;
}

export interface QueueMessage {
  messageId: string;
  body: string;
  /** As Lambda passes SQS's system attributes: SentTimestamp (epoch ms) is when the ingress queued it. */
  attributes?: { SentTimestamp?: string };
}

export interface ReplicateResult {
  batchItemFailures: { itemIdentifier: string }[];
  outcomes: Record<SyncOutcome, number>;
  failedObjects: number;
  invalidMessages: number;
}

const DEFAULT_CONCURRENCY = 4;

interface ObjectWork {
  bucket: string;
  key: string;
  events: ObjectEvent[];
  messageIds: string[];
  /** When the ingress queued the object's first message in the batch (epoch ms). */
  queuedAt?: number;
}

export async function replicateMessages(
  dependencies: ReplicateDependencies,
  messages: readonly QueueMessage[],
): Promise<ReplicateResult> {
  const clock = dependencies.clock ?? (() => new Date());
  const startedAt = clock();
  const failures: string[] = [];
  const byObject = new Map<string, ObjectWork>();
  let invalidMessages = 0;
  for (const message of messages) {
    const event = parseMessage(message, dependencies.logger);
    if (!event) {
      // Unreadable now means unreadable on every delivery: it goes on to the dead-letter queue.
      invalidMessages += 1;
      failures.push(message.messageId);
      continue;
    }
    const identity = objectIdentity(event);
    const work = byObject.get(identity) ?? {
      bucket: event.bucket,
      key: event.key,
      events: [],
      messageIds: [],
    };
    work.events.push(event);
    work.messageIds.push(message.messageId);
    work.queuedAt = earliest(work.queuedAt, Number(message.attributes?.SentTimestamp));
    byObject.set(identity, work);
  }

  const outcomes: Record<SyncOutcome, number> = { copied: 0, unchanged: 0, deleted: 0, absent: 0 };
  let failedObjects = 0;
  await mapConcurrent(
    [...byObject.values()],
    dependencies.concurrency ?? DEFAULT_CONCURRENCY,
    async (work) => {
      try {
        const { outcome } = await syncObject(dependencies.stores, work.bucket, work.key);
        const syncedAt = clock();
        await clearPending(dependencies.table, work.events);
        outcomes[outcome] += 1;
        dependencies.logger.debug('object replicated', {
          bucket: work.bucket,
          key: work.key,
          outcome,
          eventTime: work.events.map((event) => event.eventTime).sort()[0],
          queuedAt: work.queuedAt === undefined ? undefined : new Date(work.queuedAt).toISOString(),
          startedAt: startedAt.toISOString(),
          syncedAt: syncedAt.toISOString(),
        });
      } catch (error) {
        failedObjects += 1;
        failures.push(...work.messageIds);
        dependencies.logger.error('object not replicated; its messages will be delivered again', {
          bucket: work.bucket,
          key: work.key,
          messages: work.messageIds.length,
          error: describeError(error),
        });
      }
    },
  );
  const result = {
    batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    outcomes,
    failedObjects,
    invalidMessages,
  };
  dependencies.logger.info('replication batch processed', {
    messages: messages.length,
    objects: byObject.size,
    ...outcomes,
    failedObjects,
    invalidMessages,
  });
  return result;
}

function parseMessage(message: QueueMessage, logger: ReplicationLogger): ObjectEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch (error) {
    logger.error('queue message is not JSON', { messageId: message.messageId, error: describeError(error) });
    return undefined;
  }
  const parsed = safeParseWithMessages(objectEventSchema, json);
  if (parsed.success) return parsed.data;
  logger.error('queue message is not a replication event', {
    messageId: message.messageId,
    problems: describeSchemaProblems(parsed.error.issues, { showInput: true }),
  });
  return undefined;
}

/** The earlier of two epoch times; a missing or unreadable one (NaN) does not count. */
function earliest(current: number | undefined, candidate: number): number | undefined {
  if (!Number.isFinite(candidate)) return current;
  return current === undefined ? candidate : Math.min(current, candidate);
}
