import * as z from 'zod/mini';

/**
 * A webhook behind a Lambda Function URL (auth type NONE, so the handler checks the caller
 * itself): the event as the Function URL delivers it, the request the webhook code reads, and
 * the HTTP response it returns. Shared by Alertmanager's and MinIO's webhooks.
 */

/**
 * The part of a Lambda Function URL event (payload format 2.0) a webhook reads. Function URLs
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

export interface WebhookRequest {
  method: string;
  authorization: string | undefined;
  body: string;
  /** Lambda Function URLs base64-encode bodies they do not take for text. */
  isBase64Encoded: boolean;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function webhookRequestOf(event: FunctionUrlEvent): WebhookRequest {
  return {
    method: event.requestContext.http.method,
    authorization: event.headers.authorization,
    body: event.body ?? '',
    isBase64Encoded: event.isBase64Encoded,
  };
}

/** The size of the body as sent, measured before anything decodes or parses it. */
export function rawBodyBytes(request: Pick<WebhookRequest, 'body' | 'isBase64Encoded'>): number {
  return Buffer.byteLength(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
}

export function decodeBody(request: Pick<WebhookRequest, 'body' | 'isBase64Encoded'>): string {
  return request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

// A fuzzed body can produce thousands of problems; the first ones say enough.
const MAX_PROBLEMS_SHOWN = 20;

/** 400 naming what is wrong with the body: the first problems, and how many more there are. */
export function badRequestResponse(message: string, problems: readonly string[]): HttpResponse {
  const shown =
    problems.length > MAX_PROBLEMS_SHOWN
      ? [
          ...problems.slice(0, MAX_PROBLEMS_SHOWN),
          `... and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`,
        ]
      : problems;
  return jsonResponse(400, { error: message, problems: shown });
}
