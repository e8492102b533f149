import * as z from 'zod/mini';
import { s3ClientIn } from './commons/backup-clients.ts';
import { restoreDrDatabaseHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { restoreDrDatabase } from './core/dr/bring-up/restore.ts';
import { drImageReference } from './core/dr/failover/gates/image-references.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { repositoryPrefixesFrom } from './core/dr/failover/settings.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { PG_TOOLS_IMAGE } from './core/postgres/image.ts';
import { clusterEnvironmentFrom } from './core/provision/settings.ts';

const eventSchema = z.object({ failoverId: failoverIdSchema });

/**
 * dr-failover: Prefect's database in the DR cluster from the newest complete dump in the backup
 * bucket, once per failover (a re-run finds its restore record and restores nothing twice).
 */
export const handler = createHandler(
  { name: 'restore-dr-database', environment: restoreDrDatabaseHandlerEnvironment, event: eventSchema },
  async ({ failoverId }, { env, logger }) => {
    // The database's names are the primary's: the DR side is the same lakehouse.
    const environment = clusterEnvironmentFrom(
      env.PROVISION_ENVIRONMENT,
      env.DR_CLUSTER_NAME,
      parsePlatformLayout(env.PLATFORM_LAYOUT),
    );
    const outcome = await restoreDrDatabase(
      {
        kubernetes: kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME),
        s3: s3ClientIn(env.BACKUP_BUCKET_REGION),
      },
      environment,
      {
        backupBucket: env.BACKUP_BUCKET_NAME,
        backupBucketRegion: env.BACKUP_BUCKET_REGION,
        ...(env.AWS_ENDPOINT_URL_S3 ? { s3EndpointUrl: env.AWS_ENDPOINT_URL_S3 } : {}),
        ...(env.DR_RESTORE_JOB_WAIT_SECONDS
          ? { wait: { timeoutMs: env.DR_RESTORE_JOB_WAIT_SECONDS * 1000 } }
          : {}),
        ...(env.DR_ECR_REGISTRY_ID
          ? {
              image: drImageReference(PG_TOOLS_IMAGE, {
                registryId: env.DR_ECR_REGISTRY_ID,
                region: env.DR_REGION,
                prefixes: repositoryPrefixesFrom(env.DR_IMAGE_REPOSITORY_PREFIXES),
              }),
            }
          : {}),
      },
      failoverId,
    );
    logger.info('DR database', { failoverId, action: outcome.action, dump: outcome.dump.key });
    return outcome;
  },
);
