import * as z from 'zod/mini';
import { postgresLocation } from '../cluster-manifests/src/identities.ts';
import { route53Client } from './commons/aws-clients.ts';
import { dynamoDbClient, s3ClientIn } from './commons/backup-clients.ts';
import { validateDrPlatformHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createClusterReader } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { route53TrafficDns } from './core/dr/traffic/route53-dns.ts';
import { parseTrafficSettings } from './core/dr/traffic/settings.ts';
import { validateDrPlatform } from './core/dr/validation/dr-platform.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { clusterEnvironmentFrom } from './core/provision/settings.ts';
import { createPrefectApi } from './core/validation/prefect-api.ts';

const eventSchema = z.object({ failoverId: failoverIdSchema });

/** dr-failover: the lakehouse on the DR side, one verdict per check; HEALTHY only when all passed. */
export const handler = createHandler(
  { name: 'validate-dr-platform', environment: validateDrPlatformHandlerEnvironment, event: eventSchema },
  async ({ failoverId }, { env, logger }) => {
    // Configuration first: a bad variable fails before any check runs.
    const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
    const settings = parseTrafficSettings(env.DR_TRAFFIC);
    const database = postgresLocation(
      clusterEnvironmentFrom(env.PROVISION_ENVIRONMENT, env.DR_CLUSTER_NAME, layout),
    );
    const report = await validateDrPlatform(
      {
        reader: createClusterReader(kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME)),
        layout,
        database: { namespace: database.namespace, statefulSet: database.service },
        prefect: { api: createPrefectApi({ baseUrl: env.DR_PREFECT_API_URL }), url: env.DR_PREFECT_API_URL },
        replica: { s3: s3ClientIn(env.REPLICA_BUCKET_REGION), bucket: env.REPLICA_BUCKET_NAME },
        traffic: {
          dns: route53TrafficDns(route53Client()),
          table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
          settings,
        },
      },
      { environment: env.ENVIRONMENT_NAME, failoverId },
    );
    logger.info('DR platform validated', { failoverId, ...report });
    return { failoverId, ...report };
  },
);
