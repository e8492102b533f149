import * as z from 'zod/mini';
import { offHoursClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { offHoursPlanSchema } from './core/cost/off-hours/plan.ts';
import { VERIFY_PHASES, verifyOffHours } from './core/cost/off-hours/verify.ts';
import { offHoursCluster } from './core/cost/off-hours/wiring.ts';

const eventSchema = z.object({
  plan: offHoursPlanSchema,
  phase: z.enum(VERIFY_PHASES),
  deadline: z.iso.datetime(),
});

/** off-hours: one look at whether node groups and workloads reached the planned state (OffHoursNotSettledError past the deadline). */
export const handler = createHandler(
  { name: 'check-off-hours-progress', environment: offHoursClusterHandlerEnvironment, event: eventSchema },
  async ({ plan, phase, deadline }, { env }) => verifyOffHours(plan, phase, deadline, offHoursCluster(env)),
);
