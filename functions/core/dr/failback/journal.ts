import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import {
  closeFailover,
  failoverPartitionKey,
  finishStep,
  type JournalTable,
  nextStep,
  readJournal,
  startStep,
  stepTimings,
} from '../failover/journal.ts';
import { journaledStepEvents } from '../failover/journal-event.ts';
import { FAILOVER_MODES, failoverIdSchema } from '../failover/request.ts';
import { FAILBACK_STEPS } from '../failover/steps.ts';
import { FailbackNotPossibleError } from './errors.ts';
import { failbackReport } from './report.ts';

/**
 * dr-failback's journal (record-failback-step): its steps go into the journal of the failover they
 * undo (functions/core/dr/failover/journal.ts), so one record tells the whole story and a stopped
 * failback continues where it was. The failover stays OPEN while the DR side serves (no second
 * failover can open meanwhile); the failback closes it COMPLETED at the end.
 */
export const failbackRequestSchema = z.object({
  /** The failover to fail back; the environment's unfinished failover when absent. */
  failoverId: z.optional(failoverIdSchema),
  mode: z.enum(FAILOVER_MODES),
  requestedBy: nonEmptyString(),
});
export type FailbackRequest = z.output<typeof failbackRequestSchema>;

const owner = nonEmptyString();

export const failbackJournalEventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('find'), request: failbackRequestSchema }),
  ...journaledStepEvents(FAILBACK_STEPS),
  z.object({ action: z.literal('report'), failoverId: failoverIdSchema }),
  z.object({ action: z.literal('close'), failoverId: failoverIdSchema, owner }),
]);
export type FailbackJournalEvent = z.output<typeof failbackJournalEventSchema>;

/** The sort key of the environment's unfinished-failover item (journal.ts keeps it private). */
const UNFINISHED_SORT_KEY = 'UNFINISHED';

async function unfinishedFailoverId(table: JournalTable, environment: string): Promise<string | undefined> {
  const { Item } = await callAws(
    `dynamodb:GetItem ${table.tableName} ${failoverPartitionKey(environment)}`,
    () =>
      table.dynamoDb.send(
        new GetItemCommand({
          TableName: table.tableName,
          Key: { pk: { S: failoverPartitionKey(environment) }, sk: { S: UNFINISHED_SORT_KEY } },
          ConsistentRead: true,
        }),
      ),
  );
  return Item?.failoverId?.S;
}

/** The failover to fail back: OPEN, of the request's mode. */
export async function findFailback(table: JournalTable, environment: string, request: FailbackRequest) {
  const failoverId = request.failoverId ?? (await unfinishedFailoverId(table, environment));
  if (!failoverId) {
    throw new FailbackNotPossibleError(
      `no failover is open in ${environment}: there is nothing to fail back (give failoverId to name one)`,
      { environment },
    );
  }
  const journal = await readJournal(table, environment, failoverId);
  const { run } = journal;
  if (run.status !== 'OPEN') {
    throw new FailbackNotPossibleError(
      `failover ${failoverId} is ${run.status} (closed ${run.closedAt} by ${run.closedBy}): it was failed back or abandoned already`,
      { environment, failoverId, status: run.status },
    );
  }
  if (run.mode !== request.mode) {
    throw new FailbackNotPossibleError(
      `failover ${failoverId} is a ${run.mode} failover; fail it back with mode "${run.mode}", not "${request.mode}"`,
      { environment, failoverId, mode: run.mode, requestedMode: request.mode },
    );
  }
  return { failoverId, run, nextStep: nextStep(journal, FAILBACK_STEPS) ?? null };
}

export async function recordFailbackStep(
  table: JournalTable,
  environment: string,
  event: FailbackJournalEvent,
) {
  switch (event.action) {
    case 'find':
      return findFailback(table, environment, event.request);
    case 'start':
      return { failoverId: event.failoverId, ...(await startStep(table, { environment, ...event })) };
    case 'finish': {
      const { action: _, ...finish } = event;
      return { failoverId: event.failoverId, step: await finishStep(table, { environment, ...finish }) };
    }
    case 'report': {
      const journal = await readJournal(table, environment, event.failoverId);
      return failbackReport(journal, table.clock?.() ?? new Date());
    }
    case 'close': {
      const run = await closeFailover(table, {
        environment,
        failoverId: event.failoverId,
        owner: event.owner,
        status: 'COMPLETED',
        plan: FAILBACK_STEPS,
      });
      const journal = await readJournal(table, environment, event.failoverId);
      return { failoverId: event.failoverId, run, timings: stepTimings(journal, FAILBACK_STEPS) };
    }
  }
}
