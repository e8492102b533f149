import { secretsManagerClient } from './commons/aws-clients.ts';
import { s5cmdThroughputHandlerEnvironment } from './commons/environment.ts';
import { connectToCluster, kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';
import { checkS5cmdThroughput } from './core/validation/s5cmd-throughput.ts';

/** validate-platform performance check: an s5cmd Job's MiB/s through MinIO against the threshold. */
export const handler = createHandler(
  {
    name: 'check-s5cmd-throughput',
    environment: s5cmdThroughputHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) => {
    const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
    await connectToCluster(env.CLUSTER_NAME);
    const s3 = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    return checkS5cmdThroughput({
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      s3,
      layout,
      sizeMiB: env.PERFORMANCE_S5CMD_TRANSFER_MIB,
      minMiBPerSecond: env.PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND,
    });
  },
);
