import * as z from 'zod/mini';
import { offHoursClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { applyWorkloadChanges } from './core/cost/off-hours/act.ts';
import { offHoursPlanSchema } from './core/cost/off-hours/plan.ts';
import { offHoursCluster } from './core/cost/off-hours/wiring.ts';

const eventSchema = z.object({ plan: offHoursPlanSchema });

/** off-hours: Deployments/StatefulSets to zero and CronJobs suspended (sleep), or back as saved (wake). */
export const handler = createHandler(
  { name: 'scale-off-hours-workloads', environment: offHoursClusterHandlerEnvironment, event: eventSchema },
  async ({ plan }, { env }) => {
    const cluster = offHoursCluster(env);
    return applyWorkloadChanges(plan, cluster.scope.rolloutTimeoutSeconds, cluster);
  },
);
