import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { clearMinioClientCache, getMinioClient } from '../../../functions/commons/minio-client.ts';
import { rejectionOf } from '../support/rejection.ts';

const secretsManagerMock = mockClient(SecretsManagerClient);
const options = () => ({
  endpoint: 'http://127.0.0.1:9000',
  credentialsSecretId: 'lakehouse/minio/ops',
  secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
});

describe('getMinioClient', () => {
  beforeEach(() => {
    clearMinioClientCache();
    secretsManagerMock.reset();
    secretsManagerMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ accessKeyId: 'minio-ops', secretAccessKey: 'minio-ops-secret' }),
    });
  });

  it('creates a path-style S3 client for the MinIO endpoint with the credentials from the secret', async () => {
    const s3 = await getMinioClient(options());

    expect(secretsManagerMock).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'lakehouse/minio/ops',
    });
    expect(await s3.config.credentials()).toMatchObject({
      accessKeyId: 'minio-ops',
      secretAccessKey: 'minio-ops-secret',
    });
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await s3.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const endpoint = await s3.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:9000');
  });

  it('reads the secret once and reuses the client across invocations', async () => {
    const first = await getMinioClient(options());
    const second = await getMinioClient(options());

    expect(second).toBe(first);
    expect(secretsManagerMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('throws ConfigurationError when the secret is not JSON', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretString: 'minio-ops:minio-ops-secret' });

    const error = await rejectionOf(getMinioClient(options()));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('is not JSON');
    expect(error.message).not.toContain('minio-ops-secret');
  });

  it('throws ConfigurationError naming the missing field without echoing the secret', async () => {
    secretsManagerMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ accessKeyId: 'minio-ops' }) });

    const error = await rejectionOf(getMinioClient(options()));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('secretAccessKey: expected string, got nothing (missing)');
    expect(error.message).not.toContain('minio-ops"');
  });

  it('throws ConfigurationError when the secret does not exist', async () => {
    secretsManagerMock.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );

    const error = await rejectionOf(getMinioClient(options()));

    expect(error).toMatchObject({ name: 'ConfigurationError', details: { secretId: 'lakehouse/minio/ops' } });
  });

  it('throws TransientError when Secrets Manager throttles, and retries on the next call', async () => {
    secretsManagerMock
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: JSON.stringify({ accessKeyId: 'a', secretAccessKey: 'b' }) });

    expect((await rejectionOf(getMinioClient(options()))).name).toBe('TransientError');
    await expect(getMinioClient(options())).resolves.toBeDefined();
  });
});
