import * as z from 'zod/mini';
import { eksClientIn } from './commons/aws-clients.ts';
import { scaleDrToStandbyHandlerEnvironment } from './commons/environment.ts';
import { parseJsonVariable } from './commons/json-variable.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { scaleDrToStandby } from './core/dr/failback/standby.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { clusterEnvironmentFrom } from './core/provision/settings.ts';

const eventSchema = z.object({ failoverId: failoverIdSchema });
const standbySizesSchema = z.record(z.string(), z.int().check(z.nonnegative()));

/**
 * dr-failback: the DR side back to standby (Prefect's server and the DR PostgreSQL to zero, the
 * database's volume claims and restore record deleted, node groups to their minimum); `waiting`
 * while the database pods terminate: the workflow waits and calls again.
 */
export const handler = createHandler(
  { name: 'scale-dr-to-standby', environment: scaleDrToStandbyHandlerEnvironment, event: eventSchema },
  async ({ failoverId }, { env, logger }) => {
    const environment = clusterEnvironmentFrom(
      env.PROVISION_ENVIRONMENT,
      env.DR_CLUSTER_NAME,
      parsePlatformLayout(env.PLATFORM_LAYOUT),
    );
    const progress = await scaleDrToStandby(
      {
        kubernetes: kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME),
        eks: eksClientIn(env.DR_REGION),
        clusterName: env.DR_CLUSTER_NAME,
        standbySizes: env.DR_STANDBY_NODE_GROUP_SIZES
          ? parseJsonVariable(
              'DR_STANDBY_NODE_GROUP_SIZES',
              env.DR_STANDBY_NODE_GROUP_SIZES,
              standbySizesSchema,
              '{"<pool>": <nodes>}',
            )
          : undefined,
      },
      environment,
    );
    logger.info('DR standby', { failoverId, state: progress.state, changes: progress.changes.length });
    return { failoverId, ...progress };
  },
);
