import {
  badRequestResponse,
  decodeBody,
  type HttpResponse,
  jsonResponse,
  rawBodyBytes,
  type WebhookRequest,
} from '../../../commons/function-url.ts';
import { gateWebhookRequest } from '../../../commons/webhook-gate.ts';
import { deliveredAlerts } from './alert-events.ts';
import { InvalidAlertPayloadError } from './alert-group.ts';
import { AlertIngestUnavailableError, type IngestDependencies, ingestAlertEvents } from './ingest.ts';
import type { WebhookCredentials } from './webhook-auth.ts';

/**
 * Alertmanager's webhook as HTTP (docs/remediation.md, "Webhook responses"): authenticate, then
 * size, then parse; only an accepted delivery touches the table and the bus. Alertmanager retries
 * a 5xx and gives up on a 4xx, so 4xx means "this can never succeed" and 503 means "try again".
 */
export type { HttpResponse, WebhookRequest };

export interface WebhookDependencies extends IngestDependencies {
  credentials: () => Promise<WebhookCredentials>;
}

/** Far above what Alertmanager sends (a full group with its labels is a few hundred KiB at most). */
export const MAX_BODY_BYTES = 1024 * 1024;

export async function handleAlertWebhook(
  dependencies: WebhookDependencies,
  request: WebhookRequest,
): Promise<HttpResponse> {
  const receivedAt = (dependencies.clock ?? (() => new Date()))();
  const rejection = await gateWebhookRequest(
    {
      credentials: dependencies.credentials,
      logger: dependencies.logger,
      realm: 'lakehouse-ops alert ingress',
      sender: 'Alertmanager',
      methods: ['POST'],
      maxBodyBytes: MAX_BODY_BYTES,
    },
    request,
  );
  if (rejection) return rejection;
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
  return badRequestResponse(error.message, (error.details.problems as string[] | undefined) ?? []);
}

export { rawBodyBytes };
