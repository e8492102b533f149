import { eksClient } from './commons/aws-clients.ts';
import { nodeGroupsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { awaitNodeGroups } from './core/provision/cluster.ts';
import { nodeGroupSpecsFrom } from './core/provision/settings.ts';
import { checkNodeGroupsEventSchema } from './core/provision/steps.ts';

/** provision: are the node groups ACTIVE at their sizes? NodeGroupNotReadyError once the deadline passed. */
export const handler = createHandler(
  { name: 'check-node-groups', environment: nodeGroupsHandlerEnvironment, event: checkNodeGroupsEventSchema },
  async ({ deadline }, { env }) =>
    awaitNodeGroups(
      { eks: eksClient(), clusterName: env.CLUSTER_NAME },
      nodeGroupSpecsFrom(env.PROVISION_NODE_GROUPS),
      new Date(deadline),
    ),
);
