import { flowRunBurstHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { checkFlowRunBurst } from './core/validation/flow-run-burst.ts';
import { createPrefectApi } from './core/validation/prefect-api.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform performance check: a burst of concurrent flow runs all complete within the threshold. */
export const handler = createHandler(
  {
    name: 'check-flow-run-burst',
    environment: flowRunBurstHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) =>
    checkFlowRunBurst({
      prefect: createPrefectApi({ baseUrl: env.PREFECT_API_URL }),
      deployment: env.PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT,
      count: env.PERFORMANCE_FLOW_RUN_BURST_COUNT,
      maxSeconds: env.PERFORMANCE_FLOW_RUN_BURST_MAX_SECONDS,
    }),
);
