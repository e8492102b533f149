/** Moved to functions/commons/webhook-auth.ts (MinIO's replication webhook uses it too). */
export {
  clearWebhookCredentialsCache,
  isAuthorized,
  readWebhookCredentials,
  SECRET_CACHE_MILLISECONDS,
  type WebhookCredentials,
  webhookSecretSchema,
} from '../../../commons/webhook-auth.ts';
