import * as z from 'zod/mini';
import { offHoursClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { applyNodeGroupChanges } from './core/cost/off-hours/act.ts';
import { offHoursPlanSchema } from './core/cost/off-hours/plan.ts';
import { offHoursCluster } from './core/cost/off-hours/wiring.ts';

const eventSchema = z.object({ plan: offHoursPlanSchema, executionId: nonEmptyString() });

/** off-hours: node groups shrunk (sleep) or given back their saved min/desired/max (wake). */
export const handler = createHandler(
  {
    name: 'resize-off-hours-node-groups',
    environment: offHoursClusterHandlerEnvironment,
    event: eventSchema,
  },
  async ({ plan, executionId }, { env }) => {
    const cluster = offHoursCluster(env);
    return applyNodeGroupChanges(plan, executionId, cluster.scope.nodeGroupTimeoutSeconds, cluster);
  },
);
