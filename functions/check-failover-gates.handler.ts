import * as z from 'zod/mini';
import { ecrClientIn, eksClientIn } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { checkFailoverGatesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesConnectionsIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverGateDependencies } from './core/dr/failover/gate-dependencies.ts';
import { runGates } from './core/dr/failover/gates/run-gates.ts';
import { FAILOVER_MODES, failoverIdSchema } from './core/dr/failover/request.ts';

const eventSchema = z.looseObject({
  failoverId: failoverIdSchema,
  mode: z.enum(FAILOVER_MODES),
  force: z._default(z.boolean(), false),
});

/** dr-failover: every gate's verdict and the decision (PASSED, FAILED, or FORCED: approval needed). */
export const handler = createHandler(
  { name: 'check-failover-gates', environment: checkFailoverGatesHandlerEnvironment, event: eventSchema },
  async ({ failoverId, mode, force }, { env, logger }) => {
    const dependencies = failoverGateDependencies(env, {
      dynamoDb: dynamoDbClient(),
      drEks: eksClientIn(env.DR_REGION),
      drEcr: ecrClientIn(env.DR_REGION),
      drConnections: kubernetesConnectionsIn(env.DR_REGION),
    });
    const report = await runGates(dependencies, { force });
    logger.info('failover gates checked', { failoverId, mode, decision: report.decision });
    return { failoverId, mode, force, ...report };
  },
);
