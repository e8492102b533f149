import { ConfigurationError } from '../../../commons/errors.ts';
import { deliveredAlerts } from './alert-events.ts';
import { InvalidAlertPayloadError } from './alert-group.ts';
import {
  AlertIngestUnavailableError,
  describeError,
  type IngestDependencies,
  ingestAlertEvents,
} from './ingest.ts';
import { isAuthorized, type WebhookCredentials } from './webhook-auth.ts';

/**
 * Alertmanager's webhook as HTTP (docs/remediation.md, "Webhook responses"): authenticate, then
 * size, then parse; only an accepted delivery touches the table and the bus. Alertmanager retries
 * a 5xx and gives up on a 4xx, so 4xx means "this can never succeed" and 503 means "try again".
 */
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

export interface WebhookDependencies extends IngestDependencies {
  credentials: () => Promise<WebhookCredentials>;
}

/** Far above what Alertmanager sends (a full group with its labels is a few hundred KiB at most). */
export const MAX_BODY_BYTES = 1024 * 1024;

// A fuzzed body can produce thousands of problems; the first ones say enough.
const MAX_PROBLEMS_SHOWN = 20;

export async function handleAlertWebhook(
  dependencies: WebhookDependencies,
  request: WebhookRequest,
): Promise<HttpResponse> {
  const receivedAt = (dependencies.clock ?? (() => new Date()))();
  let credentials: WebhookCredentials;
  try {
    credentials = await dependencies.credentials();
  } catch (error) {
    dependencies.logger.error('cannot read the webhook credentials', { error: describeError(error) });
    return error instanceof ConfigurationError
      ? jsonResponse(500, { error: 'the webhook credentials are misconfigured' })
      : jsonResponse(503, { error: 'the webhook credentials cannot be read right now; retry' });
  }
  if (!isAuthorized(request.authorization, credentials)) {
    return jsonResponse(
      401,
      { error: 'missing or invalid credentials: send the bearer token or basic auth of the webhook secret' },
      { 'www-authenticate': challenge(credentials) },
    );
  }
  if (request.method !== 'POST') {
    return jsonResponse(
      405,
      { error: `${request.method} is not accepted; Alertmanager POSTs` },
      { allow: 'POST' },
    );
  }
  const bytes = rawBodyBytes(request);
  if (bytes > MAX_BODY_BYTES) {
    return jsonResponse(413, { error: `the body is ${bytes} bytes; at most ${MAX_BODY_BYTES} are accepted` });
  }
  return ingestBody(dependencies, decodeBody(request), receivedAt);
}

async function ingestBody(
  dependencies: IngestDependencies,
  body: string,
  receivedAt: Date,
): Promise<HttpResponse> {
  try {
    const { events, truncatedAlerts } = deliveredAlerts(body, 'alertmanager-webhook', {
      source: 'alertmanager',
      receivedAt,
    });
    if (truncatedAlerts > 0) {
      dependencies.logger.warn("Alertmanager left alerts out of this group (the receiver's max_alerts)", {
        truncatedAlerts,
      });
    }
    return jsonResponse(200, await ingestAlertEvents(dependencies, events));
  } catch (error) {
    if (error instanceof InvalidAlertPayloadError) return badRequest(error);
    if (error instanceof AlertIngestUnavailableError) {
      dependencies.logger.error('alerts not published; Alertmanager will retry', {
        error: error.message,
        ...error.details,
      });
      return jsonResponse(
        503,
        { error: error.message, published: error.details.published },
        { 'retry-after': '5' },
      );
    }
    throw error;
  }
}

function badRequest(error: InvalidAlertPayloadError): HttpResponse {
  const problems = (error.details.problems as string[] | undefined) ?? [];
  const shown =
    problems.length > MAX_PROBLEMS_SHOWN
      ? [
          ...problems.slice(0, MAX_PROBLEMS_SHOWN),
          `... and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`,
        ]
      : problems;
  return jsonResponse(400, { error: error.message, problems: shown });
}

/** The size of the body as sent, measured before anything decodes or parses it. */
export function rawBodyBytes(request: Pick<WebhookRequest, 'body' | 'isBase64Encoded'>): number {
  return Buffer.byteLength(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
}

function decodeBody(request: WebhookRequest): string {
  return request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
}

function challenge(credentials: WebhookCredentials): string {
  const realm = 'realm="lakehouse-ops alert ingress"';
  return credentials.username === undefined ? `Bearer ${realm}` : `Bearer ${realm}, Basic ${realm}`;
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
