import { dynamoDbClient } from './commons/backup-clients.ts';
import { changeRightsizingHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { applyRequestSchema, applyRightsizing } from './core/cost/apply/apply.ts';

/**
 * cost-optimise: patches each planned change the approval allows (server-side dry run first, then
 * for real unless the run is a dry run), recording before and after in the audit trail and the
 * right-sizing history.
 */
export const handler = createHandler(
  { name: 'apply-rightsizing', environment: changeRightsizingHandlerEnvironment, event: applyRequestSchema },
  async (request, { env }) => {
    const table = { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
    return applyRightsizing(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), history: table, audit: table, now: new Date() },
      request,
    );
  },
);
