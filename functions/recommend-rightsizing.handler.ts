import { s3ClientIn } from './commons/backup-clients.ts';
import { recommendRightsizingHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { runRightsizing } from './core/cost/rightsizing/dependencies.ts';
import { rightsizingRequestSchema } from './core/cost/rightsizing/request.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';

/**
 * cost-optimise: right-sizing recommendations for every workload from its Prometheus usage,
 * written to the cost report bucket; returns where they are, with counts and the total saving.
 */
export const handler = createHandler(
  {
    name: 'recommend-rightsizing',
    environment: recommendRightsizingHandlerEnvironment,
    event: rightsizingRequestSchema,
  },
  async (event, { env }) =>
    runRightsizing(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      s3: s3ClientIn(),
      layout: parsePlatformLayout(env.PLATFORM_LAYOUT),
      prometheusUrl: env.PROMETHEUS_URL,
      prefectApiUrl: env.PREFECT_API_URL,
      pricingJson: env.COST_PRICING,
      settingsJson: env.COST_RIGHTSIZING,
      bucket: env.COST_REPORT_BUCKET_NAME,
      now: new Date(),
    }),
);
