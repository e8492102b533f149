import {
  badRequestResponse,
  decodeBody,
  type HttpResponse,
  jsonResponse,
  type WebhookRequest,
} from '../../../commons/function-url.ts';
import type { WebhookCredentials } from '../../../commons/webhook-auth.ts';
import { gateWebhookRequest } from '../../../commons/webhook-gate.ts';
import type { ReplicationLogger } from './dependencies.ts';
import { type EnqueueDependencies, enqueueObjectEvents, ReplicationEnqueueError } from './ingest.ts';
import { InvalidNotificationError, type ParsedNotification, parseNotification } from './notification.ts';

/**
 * MinIO's webhook target as HTTP (docs/dr.md, "Event path"). MinIO counts any 2xx as delivered
 * and retries anything else from its queue directory, so: 401 for a caller without the token, 400
 * for a body that can never be read (naming what is wrong), 503 when the events could not be
 * recorded or queued (try again), 200 otherwise. MinIO probes the endpoint with a HEAD before
 * sending (any answer means "up"); an authenticated HEAD gets a plain 200.
 */
export interface ReplicationWebhookDependencies extends EnqueueDependencies {
  credentials: () => Promise<WebhookCredentials>;
  /** The MinIO buckets that are replicated; events of any other bucket are ignored. */
  replicatedBuckets: ReadonlySet<string>;
  logger: ReplicationLogger;
}

/** One MinIO event is a few KiB (its user metadata included); this leaves room for any batch. */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

export async function handleReplicationWebhook(
  dependencies: ReplicationWebhookDependencies,
  request: WebhookRequest,
): Promise<HttpResponse> {
  const rejection = await gateWebhookRequest(
    {
      credentials: dependencies.credentials,
      logger: dependencies.logger,
      realm: 'lakehouse-ops replication ingress',
      sender: 'MinIO',
      methods: ['POST', 'HEAD'],
      maxBodyBytes: MAX_NOTIFICATION_BYTES,
    },
    request,
  );
  if (rejection) return rejection;
  if (request.method === 'HEAD') return jsonResponse(200, {});
  let notification: ParsedNotification;
  try {
    notification = parseNotification(decodeBody(request));
  } catch (error) {
    if (error instanceof InvalidNotificationError) return badRequest(error);
    throw error;
  }
  if (notification.kind === 'test') return jsonResponse(200, { test: true, enqueued: 0, ignored: 0 });

  const ignored = [...notification.ignored];
  const events = notification.events.filter((event) => {
    if (dependencies.replicatedBuckets.has(event.bucket)) return true;
    ignored.push({ ...event, reason: 'the bucket is not replicated' });
    return false;
  });
  if (ignored.length > 0) {
    dependencies.logger.warn('MinIO events ignored', {
      ignored: ignored.slice(0, 10),
      count: ignored.length,
    });
  }
  try {
    const { enqueued } = await enqueueObjectEvents(dependencies, events);
    dependencies.logger.info('MinIO events enqueued for replication', {
      enqueued,
      ignored: ignored.length,
      events: events
        .slice(0, 10)
        .map(({ bucket, key, eventName, eventTime }) => ({ bucket, key, eventName, eventTime })),
    });
    return jsonResponse(200, { test: false, enqueued, ignored: ignored.length });
  } catch (error) {
    if (!(error instanceof ReplicationEnqueueError)) throw error;
    dependencies.logger.error('MinIO events not enqueued; MinIO will deliver them again', {
      error: error.message,
      ...error.details,
    });
    return jsonResponse(
      503,
      { error: error.message, enqueued: error.details.enqueued },
      { 'retry-after': '5' },
    );
  }
}

function badRequest(error: InvalidNotificationError): HttpResponse {
  return badRequestResponse(error.message, (error.details.problems as string[] | undefined) ?? []);
}
