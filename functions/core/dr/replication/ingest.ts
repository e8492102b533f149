import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describeError, namedError, TransientError } from '../../../commons/errors.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { mapConcurrent } from '../../backup/concurrency.ts';
import type { ObjectEvent } from './object-event.ts';
import { type PendingTable, recordPending } from './pending-journal.ts';

/**
 * The ingress's side effects (docs/dr.md, "Event path"): record every event as pending, then queue
 * one message per event. The journal is written first so that lag counts an event from the moment
 * MinIO handed it over, whatever happens to its message; a failure of either step is a
 * ReplicationEnqueueError and MinIO delivers the event again (the journal write and the messages
 * are idempotent in effect: the same record, and a repeated message replicates nothing twice).
 */
export interface ReplicationQueue {
  sqs: SQSClient;
  queueUrl: string;
}

export interface EnqueueDependencies {
  table: PendingTable;
  queue: ReplicationQueue;
}

export interface EnqueueResult {
  enqueued: number;
}

/** The events could not all be recorded or queued; `details.enqueued` of them were queued. */
export class ReplicationEnqueueError extends namedError('ReplicationEnqueueError', TransientError) {}

/** SQS's SendMessageBatch takes at most 10 entries. */
const SQS_BATCH_LIMIT = 10;
const SEND_CONCURRENCY = 4;
// Entries SQS refused for reasons of its own (throttling, an internal error) are sent again.
const SEND_ROUNDS = 3;

export async function enqueueObjectEvents(
  dependencies: EnqueueDependencies,
  events: readonly ObjectEvent[],
): Promise<EnqueueResult> {
  if (events.length === 0) return { enqueued: 0 };
  try {
    await recordPending(dependencies.table, events);
  } catch (error) {
    throw new ReplicationEnqueueError(
      `the pending journal in ${dependencies.table.tableName} refused ${events.length} events: ${describeError(error)}`,
      { enqueued: 0, failed: events.length },
      { cause: error },
    );
  }
  const batches: ObjectEvent[][] = [];
  for (let index = 0; index < events.length; index += SQS_BATCH_LIMIT) {
    batches.push(events.slice(index, index + SQS_BATCH_LIMIT));
  }
  const outcomes = await mapConcurrent(batches, SEND_CONCURRENCY, (batch) =>
    sendBatch(dependencies.queue, batch).catch((error: unknown) => ({
      sent: 0,
      failures: [describeError(error)],
      failed: batch.length,
    })),
  );
  const enqueued = outcomes.reduce((sum, outcome) => sum + outcome.sent, 0);
  const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
  if (failed > 0) {
    const reasons = outcomes.flatMap((outcome) => outcome.failures);
    throw new ReplicationEnqueueError(
      `queue ${dependencies.queue.queueUrl} refused ${failed} of ${events.length} events: ${reasons[0]}`,
      { enqueued, failed, reasons: reasons.slice(0, 10) },
    );
  }
  return { enqueued };
}

interface BatchOutcome {
  sent: number;
  failed: number;
  failures: string[];
}

async function sendBatch(queue: ReplicationQueue, batch: readonly ObjectEvent[]): Promise<BatchOutcome> {
  let entries: SendMessageBatchRequestEntry[] = batch.map((event, index) => ({
    Id: `event-${index}`,
    MessageBody: JSON.stringify(event),
  }));
  let failures: string[] = [];
  for (let round = 1; round <= SEND_ROUNDS && entries.length > 0; round += 1) {
    const attempt = entries;
    const output = await callAws(`sqs:SendMessageBatch ${queue.queueUrl}`, () =>
      queue.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: attempt })),
    );
    const refused = output.Failed ?? [];
    failures = refused.map((entry) => `${entry.Code ?? 'unknown'}: ${entry.Message ?? 'no message'}`);
    // A sender fault (a malformed entry) fails the same way every time: no point sending it again.
    if (refused.some((entry) => entry.SenderFault)) break;
    const refusedIds = new Set(refused.map((entry) => entry.Id));
    entries = attempt.filter((entry) => refusedIds.has(entry.Id));
  }
  const failed = failures.length;
  return { sent: batch.length - failed, failed, failures };
}
