import { applyManifestsHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { clusterEnvironmentFrom, DEFAULT_ROLLOUT_TIMEOUT_SECONDS } from './core/provision/settings.ts';
import { applyNextStage, applyStageEventSchema } from './core/provision/steps.ts';

/** provision: server-side apply (or its dry run) of the next stage of cluster-manifests, object by object. */
export const handler = createHandler(
  { name: 'apply-manifests', environment: applyManifestsHandlerEnvironment, event: applyStageEventSchema },
  async (event, { env, logger }) => {
    const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
    const environment = clusterEnvironmentFrom(env.PROVISION_ENVIRONMENT, env.CLUSTER_NAME, layout);
    const progress = await applyNextStage(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME) },
      environment,
      event,
      env.PROVISION_ROLLOUT_TIMEOUT_SECONDS ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
    );
    logger.info('stage applied', { stage: progress.current.stage, dryRun: event.plan.dryRun });
    return progress;
  },
);
