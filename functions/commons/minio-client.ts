import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentity } from '@smithy/types';
import * as z from 'zod/mini';
import { ConfigurationError } from './errors.ts';
import { cacheUntilRejected } from './promise-cache.ts';
import { parseOrThrow } from './schema-problems.ts';
import { nonEmptyString } from './schemas.ts';
import { callAws } from './transient-errors.ts';

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

const minioSecretSchema = z.object({
  accessKeyId: nonEmptyString(),
  secretAccessKey: nonEmptyString(),
});

const credentialsBySecret = new Map<string, Promise<AwsCredentialIdentity>>();
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
  let credentials = credentialsBySecret.get(secretId);
  if (!credentials) {
    credentials = fetchCredentials(secretsManager, secretId);
    cacheUntilRejected(credentialsBySecret, secretId, credentials, credentials);
  }
  return credentials;
}

/** Forgets cached clients and credentials (after a secret rotation, and between tests). */
export function clearMinioClientCache(): void {
  credentialsBySecret.clear();
  clients.clear();
}

async function fetchCredentials(
  secretsManager: SecretsManagerClient,
  secretId: string,
): Promise<AwsCredentialIdentity> {
  const secret = await callAws(`secretsmanager:GetSecretValue ${secretId}`, async () => {
    try {
      return await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') {
        throw new ConfigurationError(`MinIO credentials secret ${secretId} does not exist`, { secretId });
      }
      throw error;
    }
  });
  if (secret.SecretString === undefined) {
    throw new ConfigurationError(
      `MinIO credentials secret ${secretId} has no SecretString (binary secrets are not supported)`,
      {
        secretId,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret.SecretString);
  } catch {
    throw new ConfigurationError(
      `MinIO credentials secret ${secretId} is not JSON; expected {"accessKeyId": "...", "secretAccessKey": "..."}`,
      { secretId },
    );
  }
  // Never echo the secret's values into an error message.
  return parseOrThrow(
    minioSecretSchema,
    parsed,
    (problems) =>
      new ConfigurationError(`MinIO credentials secret ${secretId} is incomplete: ${problems.join('; ')}`, {
        secretId,
        problems,
      }),
    { showInput: false },
  );
}
