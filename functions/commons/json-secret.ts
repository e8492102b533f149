import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod/mini';
import { ConfigurationError } from './errors.ts';
import { cacheUntilRejected } from './promise-cache.ts';
import { parseOrThrow } from './schema-problems.ts';
import { callAws } from './transient-errors.ts';

/**
 * A Secrets Manager secret whose SecretString is a JSON object (credentials, keys), read once per
 * execution environment (or per `maxAgeMs`, so a rotation takes effect without a cold start) and
 * checked against its schema. A failed read is not cached: the next invocation reads again.
 * Errors name the secret and what is wrong with it, never its values.
 */
export interface JsonSecret<Schema extends z.core.$ZodType> {
  /** What the secret is, at the start of error messages: `MinIO credentials secret`. */
  readonly what: string;
  /** The shape expected, shown when the secret is not JSON: `{"key": "<base64>"}`. */
  readonly expected: string;
  readonly schema: Schema;
  /** How long a value read is reused; for the life of the execution environment when absent. */
  readonly maxAgeMs?: number;
}

interface CachedSecret {
  readonly value: Promise<unknown>;
  readonly fetchedAt: number;
}

const cache = new Map<string, CachedSecret>();

export function readJsonSecret<Schema extends z.core.$ZodType>(
  secretsManager: SecretsManagerClient,
  secretId: string,
  secret: JsonSecret<Schema>,
  now: () => number = Date.now,
): Promise<z.output<Schema>> {
  // Keyed by what the secret is as well: one secret id read under two schemas must not share values.
  const key = `${secret.what}\n${secretId}`;
  const cached = cache.get(key);
  if (cached && (secret.maxAgeMs === undefined || now() - cached.fetchedAt < secret.maxAgeMs)) {
    return cached.value as Promise<z.output<Schema>>;
  }
  const entry = { value: fetchSecret(secretsManager, secretId, secret), fetchedAt: now() };
  cacheUntilRejected(cache, key, entry, entry.value);
  return entry.value;
}

/** Forgets every cached secret (after a rotation, and between tests). */
export function clearJsonSecretCache(): void {
  cache.clear();
}

async function fetchSecret<Schema extends z.core.$ZodType>(
  secretsManager: SecretsManagerClient,
  secretId: string,
  { what, expected, schema }: JsonSecret<Schema>,
): Promise<z.output<Schema>> {
  const response = await callAws(`secretsmanager:GetSecretValue ${secretId}`, async () => {
    try {
      return await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') {
        throw new ConfigurationError(`${what} ${secretId} does not exist`, { secretId });
      }
      throw error;
    }
  });
  if (response.SecretString === undefined) {
    throw new ConfigurationError(
      `${what} ${secretId} has no SecretString (binary secrets are not supported); expected ${expected}`,
      { secretId },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(response.SecretString);
  } catch {
    throw new ConfigurationError(`${what} ${secretId} is not JSON; expected ${expected}`, { secretId });
  }
  return parseOrThrow(
    schema,
    json,
    (problems) =>
      new ConfigurationError(`${what} ${secretId} is invalid: ${problems.join('; ')}`, {
        secretId,
        problems,
      }),
    { showInput: false },
  );
}
