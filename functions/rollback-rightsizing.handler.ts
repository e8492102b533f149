import { dynamoDbClient } from './commons/backup-clients.ts';
import { changeRightsizingHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { rollbackRequestSchema, rollbackRightsizing } from './core/cost/apply/rollback.ts';

/** cost-optimise: restores the saved before-state of each workload the watch judged worse, audited. */
export const handler = createHandler(
  {
    name: 'rollback-rightsizing',
    environment: changeRightsizingHandlerEnvironment,
    event: rollbackRequestSchema,
  },
  async (request, { env }) => {
    const table = { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
    return rollbackRightsizing(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), history: table, audit: table, now: new Date() },
      request,
    );
  },
);
