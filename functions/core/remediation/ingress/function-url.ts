import * as z from 'zod/mini';
import type { WebhookRequest } from './alert-webhook.ts';

/**
 * The part of a Lambda Function URL event (payload format 2.0) the webhook reads. Function URLs
 * lower-case header names, join repeated headers with commas, leave out `body` when there is none
 * and base64-encode bodies whose content type they do not treat as text.
 */
export const functionUrlEventSchema = z.object({
  version: z.literal('2.0'),
  headers: z._default(z.record(z.string(), z.string()), {}),
  body: z.optional(z.string()),
  isBase64Encoded: z.boolean(),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
});
export type FunctionUrlEvent = z.output<typeof functionUrlEventSchema>;

export function webhookRequestOf(event: FunctionUrlEvent): WebhookRequest {
  return {
    method: event.requestContext.http.method,
    authorization: event.headers.authorization,
    body: event.body ?? '',
    isBase64Encoded: event.isBase64Encoded,
  };
}
