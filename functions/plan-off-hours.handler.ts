import { offHoursPlanHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { planOffHours } from './core/cost/off-hours/plan.ts';
import { offHoursRunSchema } from './core/cost/off-hours/preflight.ts';
import { offHoursCluster, opsTable } from './core/cost/off-hours/wiring.ts';

/** off-hours: what sleep saves and changes, or what wake restores, against the snapshot. */
export const handler = createHandler(
  { name: 'plan-off-hours', environment: offHoursPlanHandlerEnvironment, event: offHoursRunSchema },
  async (run, { env }) => planOffHours(run, { ...offHoursCluster(env), snapshots: opsTable(env) }),
);
