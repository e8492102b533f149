import { prometheusHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { prometheusClient, watchRequestSchema, watchRightsizing } from './core/cost/apply/watch.ts';

/**
 * cost-optimise, after the watch period: OOM kills and CPU throttling of each changed workload
 * since the change against the same time before it, and the requests its pods actually held.
 */
export const handler = createHandler(
  { name: 'watch-rightsizing', environment: prometheusHandlerEnvironment, event: watchRequestSchema },
  async (request, { env }) => watchRightsizing(prometheusClient(env.PROMETHEUS_URL), request, new Date()),
);
