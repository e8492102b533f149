import { powertoolsEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverRequestSchema } from './core/dr/failover/request.ts';

/** dr-failover: the input with its defaults filled in, or InvalidInputError naming what is wrong. */
export const handler = createHandler(
  { name: 'validate-failover-request', environment: powertoolsEnvironment, event: failoverRequestSchema },
  async (request) => request,
);
