import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import { clearMinioClientCache } from '../../../functions/commons/minio-client.ts';

/** The MinIO credentials secret a handler reads (Secrets Manager mocked), holding s3rver's key pair. */
export const MINIO_SECRET_ID = 'lakehouse/minio/ops';

export function useMinioSecret(): void {
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => {
    clearMinioClientCache();
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: MINIO_SECRET_ID })
      .resolves({ SecretString: JSON.stringify({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }) });
  });
}
