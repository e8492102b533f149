import { applyDrManifestsHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { applyDrStage, applyDrStageEventSchema } from './core/dr/bring-up/manifests.ts';
import { drEnvironmentFrom } from './core/dr/bring-up/settings.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { DEFAULT_ROLLOUT_TIMEOUT_SECONDS } from './core/provision/settings.ts';

/** dr-failover: server-side apply of the next stage of the DR manifests (phase `platform`, or `prefect` after the restore). */
export const handler = createHandler(
  {
    name: 'apply-dr-manifests',
    environment: applyDrManifestsHandlerEnvironment,
    event: applyDrStageEventSchema,
  },
  async (event, { env, logger }) => {
    const environment = drEnvironmentFrom(env, parsePlatformLayout(env.PLATFORM_LAYOUT));
    const progress = await applyDrStage(
      { kubernetes: kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME) },
      environment,
      event,
      env.DR_ROLLOUT_TIMEOUT_SECONDS ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
    );
    logger.info('DR stage applied', { failoverId: event.failoverId, stage: progress.current.stage });
    return progress;
  },
);
