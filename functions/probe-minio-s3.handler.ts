import { secretsManagerClient } from './commons/aws-clients.ts';
import { minioHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { getMinioClient } from './commons/minio-client.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { probeMinioS3 } from './core/validation/minio-s3-probe.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: a PUT/GET/DELETE round trip through MinIO's S3 API, checksummed. */
export const handler = createHandler(
  { name: 'probe-minio-s3', environment: minioHandlerEnvironment, event: validatePlatformRequestSchema },
  async (_request, { env }) => {
    const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
    const s3 = await getMinioClient({
      endpoint: env.MINIO_ENDPOINT,
      credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
      secretsManager: secretsManagerClient(),
    });
    return probeMinioS3({ s3, bucket: layout.minio.probeBucket });
  },
);
