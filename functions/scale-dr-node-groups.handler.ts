import * as z from 'zod/mini';
import { eksClientIn } from './commons/aws-clients.ts';
import { scaleDrNodeGroupsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { scaleDrNodeGroups } from './core/dr/bring-up/node-groups.ts';
import { drNodeGroupSpecs } from './core/dr/bring-up/settings.ts';
import { DEFAULT_NODE_GROUP_TIMEOUT_SECONDS, nodeGroupSpecsFrom } from './core/provision/settings.ts';

const eventSchema = z.object({ deadline: z.optional(z.iso.datetime()) });

/**
 * dr-failover: scale the DR cluster's node groups to the primary's sizes and report their
 * readiness; called again with the returned deadline to wait (NodeGroupNotReadyError once it passed).
 */
export const handler = createHandler(
  { name: 'scale-dr-node-groups', environment: scaleDrNodeGroupsHandlerEnvironment, event: eventSchema },
  async ({ deadline }, { env, logger }) => {
    const progress = await scaleDrNodeGroups(
      { eks: eksClientIn(env.DR_REGION), clusterName: env.DR_CLUSTER_NAME },
      drNodeGroupSpecs(nodeGroupSpecsFrom(env.PROVISION_NODE_GROUPS), env.DR_NODE_GROUP_SIZES),
      deadline ? { deadline } : {},
      env.DR_NODE_GROUP_TIMEOUT_SECONDS ?? DEFAULT_NODE_GROUP_TIMEOUT_SECONDS,
    );
    logger.info('DR node groups', { ready: progress.readiness.ready, changes: progress.changes.length });
    return progress;
  },
);
