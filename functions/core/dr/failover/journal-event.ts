import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import {
  closeFailover,
  finishStep,
  type JournalTable,
  nextStep,
  openFailover,
  readJournal,
  startStep,
  stepTimings,
} from './journal.ts';
import { failoverIdSchema, failoverRequestSchema } from './request.ts';
import { FAILOVER_STEPS } from './steps.ts';

/**
 * What the workflow asks of the step journal (record-failover-step), one action per call. Every
 * answer names the failover, so the workflow keeps one ResultPath shape.
 */

/** Longer than any one step's work including its waits, so only a dead execution's lease expires. */
export const DEFAULT_STEP_LEASE_SECONDS = 1800;

const owner = nonEmptyString();

/**
 * The `start` and `finish` events of a journaled step, for a workflow's own steps: dr-failover's
 * here, dr-failback's (functions/core/dr/failback/journal.ts) in the same journal.
 */
export function journaledStepEvents<Steps extends readonly [string, ...string[]]>(steps: Steps) {
  const step = z.enum(steps);
  return [
    z.object({
      action: z.literal('start'),
      failoverId: failoverIdSchema,
      step,
      owner,
      leaseSeconds: z._default(z.number().check(z.int(), z.positive()), DEFAULT_STEP_LEASE_SECONDS),
    }),
    z.object({
      action: z.literal('finish'),
      failoverId: failoverIdSchema,
      step,
      owner,
      outcome: z.enum(['SUCCEEDED', 'FAILED']),
      output: z.optional(z.unknown()),
      error: z.optional(z.string()),
    }),
  ] as const;
}

export const failoverJournalEventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('open'), owner, request: failoverRequestSchema }),
  ...journaledStepEvents(FAILOVER_STEPS),
  z.object({
    action: z.literal('close'),
    failoverId: failoverIdSchema,
    owner,
    status: z.enum(['COMPLETED', 'ABANDONED']),
  }),
  z.object({ action: z.literal('read'), failoverId: failoverIdSchema }),
]);
export type FailoverJournalEvent = z.output<typeof failoverJournalEventSchema>;

export async function recordFailoverStep(
  table: JournalTable,
  environment: string,
  event: FailoverJournalEvent,
) {
  switch (event.action) {
    case 'open': {
      const { run, resumed } = await openFailover(table, {
        environment,
        request: event.request,
        owner: event.owner,
      });
      const journal = await readJournal(table, environment, run.failoverId);
      return { failoverId: run.failoverId, resumed, run, nextStep: nextStep(journal) ?? null };
    }
    case 'start': {
      const started = await startStep(table, { environment, ...event });
      return { failoverId: event.failoverId, ...started };
    }
    case 'finish': {
      const { failoverId, step: name, owner: by, outcome, output, error } = event;
      const record = await finishStep(table, {
        environment,
        failoverId,
        step: name,
        owner: by,
        outcome,
        output,
        error,
      });
      return { failoverId, step: record };
    }
    case 'close': {
      const run = await closeFailover(table, { environment, ...event });
      return {
        failoverId: event.failoverId,
        run,
        timings: stepTimings(await readJournal(table, environment, event.failoverId)),
      };
    }
    case 'read': {
      const journal = await readJournal(table, environment, event.failoverId);
      return {
        failoverId: event.failoverId,
        run: journal.run,
        nextStep: nextStep(journal) ?? null,
        timings: stepTimings(journal),
      };
    }
  }
}
