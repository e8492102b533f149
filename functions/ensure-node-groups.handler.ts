import { eksClient } from './commons/aws-clients.ts';
import { nodeGroupsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { DEFAULT_NODE_GROUP_TIMEOUT_SECONDS, nodeGroupSpecsFrom } from './core/provision/settings.ts';
import { dryRunEventSchema, provisionNodeGroups } from './core/provision/steps.ts';

/** provision: create the missing managed node groups and rescale the others to their configured sizes. */
export const handler = createHandler(
  { name: 'ensure-node-groups', environment: nodeGroupsHandlerEnvironment, event: dryRunEventSchema },
  async ({ dryRun }, { env }) =>
    provisionNodeGroups(
      { eks: eksClient(), clusterName: env.CLUSTER_NAME },
      nodeGroupSpecsFrom(env.PROVISION_NODE_GROUPS),
      dryRun,
      env.PROVISION_NODE_GROUP_TIMEOUT_SECONDS ?? DEFAULT_NODE_GROUP_TIMEOUT_SECONDS,
    ),
);
