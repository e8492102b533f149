import { eksClient } from './commons/aws-clients.ts';
import { planProvisionHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { requireActiveCluster } from './core/provision/cluster.ts';
import { planProvision } from './core/provision/plan.ts';
import { provisionRequestSchema } from './core/provision/request.ts';
import { clusterEnvironmentFrom } from './core/provision/settings.ts';

/** provision, first step: validate the input against this deployment's environment, require an ACTIVE cluster, plan. */
export const handler = createHandler(
  { name: 'plan-provision', environment: planProvisionHandlerEnvironment, event: provisionRequestSchema },
  async (request, { env, logger }) => {
    const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
    const plan = planProvision(
      clusterEnvironmentFrom(env.PROVISION_ENVIRONMENT, env.CLUSTER_NAME, layout),
      request,
    );
    await requireActiveCluster({ eks: eksClient(), clusterName: env.CLUSTER_NAME });
    logger.info('provision planned', { plan });
    return plan;
  },
);
