import { prefectApiLatencyHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { createPrefectApi } from './core/validation/prefect-api.ts';
import { checkPrefectApiLatency } from './core/validation/prefect-api-latency.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform performance check: the Prefect API's p95 response time against the threshold. */
export const handler = createHandler(
  {
    name: 'check-prefect-api-latency',
    environment: prefectApiLatencyHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) =>
    checkPrefectApiLatency({
      prefect: createPrefectApi({ baseUrl: env.PREFECT_API_URL }),
      requests: env.PERFORMANCE_PREFECT_API_REQUESTS,
      p95ThresholdMs: env.PERFORMANCE_PREFECT_API_P95_MS,
    }),
);
