import { powertoolsEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { costOptimiseRequestSchema } from './core/cost/apply/request.ts';

/** cost-optimise: the input with its defaults filled in, or InvalidInputError naming what is wrong. */
export const handler = createHandler(
  {
    name: 'validate-rightsizing-request',
    environment: powertoolsEnvironment,
    event: costOptimiseRequestSchema,
  },
  async (request) => request,
);
