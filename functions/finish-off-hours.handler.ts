import * as z from 'zod/mini';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { offHoursPlanSchema } from './core/cost/off-hours/plan.ts';
import { finishOffHours } from './core/cost/off-hours/snapshot-steps.ts';
import { opsTable } from './core/cost/off-hours/wiring.ts';

const eventSchema = z.object({
  plan: offHoursPlanSchema,
  /** The version SaveOffHoursSnapshot wrote (sleep). */
  savedVersion: z.optional(z.number().check(z.int(), z.positive())),
});

/** off-hours, once verified: the snapshot is marked asleep (sleep) or deleted (wake). */
export const handler = createHandler(
  { name: 'finish-off-hours', environment: auditHandlerEnvironment, event: eventSchema },
  async ({ plan, savedVersion }, { env }) => finishOffHours(plan, savedVersion, { snapshots: opsTable(env) }),
);
