import { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentity } from '@smithy/types';
import * as z from 'zod/mini';
import { clearJsonSecretCache, readJsonSecret } from './json-secret.ts';
import { cacheUntilRejected } from './promise-cache.ts';
import { nonEmptyString } from './schemas.ts';

/**
 * S3 clients for MinIO. Path-style addressing because MinIO buckets are not DNS names, and
 * checksums only when required because MinIO/s3rver otherwise store streamed bodies with their
 * aws-chunked framing.
 */
export interface MinioClientOptions {
  endpoint: string;
  /** Secrets Manager secret holding {"accessKeyId": ..., "secretAccessKey": ...}. */
  credentialsSecretId: string;
  secretsManager: SecretsManagerClient;
  /** MinIO's default region; signatures must name the region MinIO is configured with. */
  region?: string;
  /** The workflows retry on their own (Step Functions Retry); keep the SDK's retries short. */
  maxAttempts?: number;
}

const minioSecret = {
  what: 'MinIO credentials secret',
  expected: '{"accessKeyId": "...", "secretAccessKey": "..."}',
  schema: z.object({ accessKeyId: nonEmptyString(), secretAccessKey: nonEmptyString() }),
};

const clients = new Map<string, Promise<S3Client>>();

/** The MinIO client for this endpoint and secret, created once per execution environment. */
export function getMinioClient(options: MinioClientOptions): Promise<S3Client> {
  const key = `${options.endpoint}\n${options.credentialsSecretId}`;
  let client = clients.get(key);
  if (!client) {
    client = readMinioCredentials(options.secretsManager, options.credentialsSecretId).then(
      (credentials) =>
        new S3Client({
          endpoint: options.endpoint,
          region: options.region ?? 'us-east-1',
          credentials,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          maxAttempts: options.maxAttempts ?? 2,
        }),
    );
    cacheUntilRejected(clients, key, client, client);
  }
  return client;
}

/** MinIO access keys from Secrets Manager, read once per secret id. */
export function readMinioCredentials(
  secretsManager: SecretsManagerClient,
  secretId: string,
): Promise<AwsCredentialIdentity> {
  return readJsonSecret(secretsManager, secretId, minioSecret);
}

/** Forgets cached clients and credentials (after a secret rotation, and between tests). */
export function clearMinioClientCache(): void {
  clearJsonSecretCache();
  clients.clear();
}
