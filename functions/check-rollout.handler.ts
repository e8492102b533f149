import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { awaitRollouts } from './core/provision/rollout.ts';
import { checkRolloutEventSchema } from './core/provision/steps.ts';

/** provision: `kubectl rollout status` of a stage's workloads; RolloutFailedError on failure or past the deadline. */
export const handler = createHandler(
  { name: 'check-rollout', environment: kubernetesHandlerEnvironment, event: checkRolloutEventSchema },
  async ({ stage, rollouts, rolloutDeadline }, { env }) =>
    awaitRollouts(kubernetesApiFor(env.CLUSTER_NAME), stage, rollouts, new Date(rolloutDeadline)),
);
