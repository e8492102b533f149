import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { clearJsonSecretCache, readJsonSecret } from './json-secret.ts';
import { nonEmptyString } from './schemas.ts';

/**
 * A webhook's credentials, from a secret holding `{ "token": ..., "username": ..., "password": ... }`
 * (Alertmanager's `lakehouse/<env>/alertmanager-webhook`, MinIO's replication webhook). The sender
 * sends either `Authorization: Bearer <token>` (Alertmanager's http_config.authorization, MinIO's
 * auth_token) or basic auth (Alertmanager's http_config.basic_auth); whichever the secret
 * configures is accepted.
 */
export const webhookSecretSchema = z
  .object({
    token: z.optional(nonEmptyString()),
    username: z.optional(nonEmptyString()),
    password: z.optional(nonEmptyString()),
  })
  .check(
    z.refine(
      (secret) =>
        secret.token !== undefined || (secret.username !== undefined && secret.password !== undefined),
      'expected a "token", or a "username" with a "password"',
    ),
  );
export type WebhookCredentials = z.output<typeof webhookSecretSchema>;

/** A rotated secret takes effect within this time without a cold start. */
export const SECRET_CACHE_MILLISECONDS = 5 * 60_000;

const webhookSecret = {
  what: 'the webhook secret',
  expected: '{"token": "..."} or {"username": "...", "password": "..."}',
  schema: webhookSecretSchema,
  maxAgeMs: SECRET_CACHE_MILLISECONDS,
};

/** The credentials, read once per secret and cache period; a failed read is retried next time. */
export function readWebhookCredentials(
  secretsManager: SecretsManagerClient,
  secretId: string,
  now: () => number = Date.now,
): Promise<WebhookCredentials> {
  return readJsonSecret(secretsManager, secretId, webhookSecret, now);
}

/** Forgets cached credentials (between tests). */
export function clearWebhookCredentialsCache(): void {
  clearJsonSecretCache();
}

/** Whether the Authorization header carries the configured bearer token or basic credentials. */
export function isAuthorized(authorization: string | undefined, credentials: WebhookCredentials): boolean {
  const match = /^(\w+) +(\S+) *$/.exec(authorization ?? '');
  if (!match) return false;
  const [, scheme = '', value = ''] = match;
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return credentials.token !== undefined && sameSecret(value, credentials.token);
    case 'basic':
      return basicMatches(value, credentials);
    default:
      return false;
  }
}

function basicMatches(encoded: string, credentials: WebhookCredentials): boolean {
  if (credentials.username === undefined || credentials.password === undefined) return false;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared whatever the first says, so the time taken tells nothing about which was wrong.
  const userMatches = sameSecret(decoded.slice(0, colon), credentials.username);
  const passwordMatches = sameSecret(decoded.slice(colon + 1), credentials.password);
  return userMatches && passwordMatches;
}

/**
 * Constant-time comparison. Hashing first gives both sides the same length, which timingSafeEqual
 * requires, without revealing the secret's length through an early exit.
 */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
