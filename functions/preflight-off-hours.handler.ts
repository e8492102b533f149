import { eksClient } from './commons/aws-clients.ts';
import { offHoursPreflightHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { preflightOffHours } from './core/cost/off-hours/preflight.ts';
import { offHoursRequestSchema } from './core/cost/off-hours/request.ts';

/** off-hours: validate the input, refuse production, require the cluster ACTIVE. */
export const handler = createHandler(
  {
    name: 'preflight-off-hours',
    environment: offHoursPreflightHandlerEnvironment,
    event: offHoursRequestSchema,
  },
  async (request, { env }) =>
    preflightOffHours(request, {
      eks: eksClient(),
      clusterName: env.CLUSTER_NAME,
      environment: env.ENVIRONMENT_NAME,
    }),
);
