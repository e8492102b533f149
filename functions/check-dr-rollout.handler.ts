import { checkDrRolloutHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { awaitRollouts } from './core/provision/rollout.ts';
import { checkRolloutEventSchema } from './core/provision/steps.ts';

/** dr-failover: `kubectl rollout status` of a DR stage's workloads; RolloutFailedError on failure or past the deadline. */
export const handler = createHandler(
  { name: 'check-dr-rollout', environment: checkDrRolloutHandlerEnvironment, event: checkRolloutEventSchema },
  async ({ stage, rollouts, rolloutDeadline }, { env }) =>
    awaitRollouts(
      kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME),
      stage,
      rollouts,
      new Date(rolloutDeadline),
    ),
);
