import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { caughtSchema } from '../../provision/report.ts';
import { nodeDrainResultSchema } from './drain.ts';
import { interruptedNodeSchema } from './interruption.ts';
import { spotMigrationPlanSchema } from './plan.ts';

/** The events of the spot workflows' steps (workflows/spot-*.workflow.ts build them). */
const executionId = nonEmptyString();

export const ensureSpotNodeGroupEventSchema = z.object({ plan: spotMigrationPlanSchema, executionId });
export const checkSpotNodeGroupEventSchema = z.object({
  plan: spotMigrationPlanSchema,
  deadline: z.iso.datetime(),
});
export const drainSpotSourceNodesEventSchema = z.object({
  plan: spotMigrationPlanSchema,
  next: z.number().check(z.int(), z.nonnegative()),
  results: z.array(nodeDrainResultSchema),
});
export const retireSpotSourceNodeGroupEventSchema = z.object({
  plan: spotMigrationPlanSchema,
  /** The previous call's result (`{}` before the first): its deadline carries over. */
  previous: z.object({ deadline: z.optional(z.iso.datetime()) }),
  executionId,
});
export const verifySpotMigrationEventSchema = z.object({ plan: spotMigrationPlanSchema });
export const recordSpotMigrationAuditEventSchema = z.object({
  report: z.looseObject({ status: nonEmptyString(), pool: nonEmptyString(), requestedBy: nonEmptyString() }),
  executionId,
});

export const drainInterruptedNodeEventSchema = z.extend(interruptedNodeSchema, { node: nonEmptyString() });
export const recordSpotInterruptionAuditEventSchema = z.object({
  node: interruptedNodeSchema,
  drain: z.optional(z.looseObject({ outcome: nonEmptyString() })),
  failure: z.optional(caughtSchema),
  /** The EventBridge event's id: which notice this was. */
  eventId: nonEmptyString(),
  executionId,
});
