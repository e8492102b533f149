import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3ObjectEvent } from './s3rver-object-events.ts';

/**
 * The MinIO primary's bucket notifications, locally: s3rver's object events (forwarded by the
 * s3rver child, see s3-endpoint.ts `onObjectEvent`) become the body MinIO's webhook target POSTs,
 * `{"EventName", "Key", "Records": [<one record>]}`, sent with `Authorization: Bearer <auth_token>`,
 * one event per request, in order.
 *
 * Delivery mirrors MinIO's webhook target with a queue: an event waits in a queue until the target
 * accepts it (2xx), the head is retried while the target is unreachable or failing (connection
 * refused, timeout, 5xx, 408, 429) and later events wait behind it, so the target sees them in the
 * order they happened. MinIO with `queue_dir` keeps that queue on disk, one file per event up to
 * `queue_limit` (100000 by default; beyond it new events are refused and lost), and replays it after
 * a restart; here the queue lives in memory, bounded by `queueLimit`, and dies with the process
 * (reconcile-replication's listing diff covers what a lost event leaves behind). A refusal that
 * retrying cannot change (another 4xx, e.g. a wrong token) drops the event and reports it, rather
 * than wedging every later event behind it.
 */

export interface MinioWebhookOptions {
  /** The webhook target's endpoint (MinIO `notify_webhook` `endpoint`). */
  readonly endpoint: string;
  /** MinIO `auth_token`: sent as a bearer token. */
  readonly authToken: string;
  /** Which events to send: names (`s3:ObjectCreated:Put`) or wildcards (`s3:ObjectCreated:*`). */
  readonly events?: readonly string[];
  /** Buckets whose events are sent (MinIO's notification configuration is per bucket); all when omitted. */
  readonly buckets?: readonly string[];
  /** MinIO's site region, '' when none is configured. */
  readonly region?: string;
  /** The MinIO endpoint the events come from (x-minio-origin-endpoint). */
  readonly originEndpoint?: string;
  readonly queueLimit?: number;
  readonly retryIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  /** Events dropped (queue full, or refused for good), which MinIO would log. */
  readonly onDrop?: (drop: DroppedNotification) => void;
}

export interface DroppedNotification {
  readonly key: string;
  readonly eventName: string;
  readonly reason: string;
}

export interface MinioWebhookTarget {
  /** Queues the event's notification if the configuration selects it; never blocks. */
  notify(event: S3ObjectEvent): void;
  readonly pending: number;
  readonly delivered: number;
  readonly dropped: number;
  /** Resolves once every queued notification is delivered or dropped. */
  idle(): Promise<void>;
  /** Stops delivering; what is still queued is lost, as with MinIO's in-memory queue. */
  stop(): Promise<void>;
}

export interface MinioNotificationBody {
  readonly EventName: string;
  readonly Key: string;
  readonly Records: readonly MinioEventRecord[];
}

export interface MinioEventRecord {
  readonly eventVersion: '2.0';
  readonly eventSource: 'minio:s3';
  readonly awsRegion: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly userIdentity: { readonly principalId: string };
  readonly requestParameters: Readonly<Record<string, string>>;
  readonly responseElements: Readonly<Record<string, string>>;
  readonly s3: {
    readonly s3SchemaVersion: '1.0';
    readonly configurationId: string;
    readonly bucket: {
      readonly name: string;
      readonly ownerIdentity: { readonly principalId: string };
      readonly arn: string;
    };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly contentType?: string;
      readonly userMetadata?: Readonly<Record<string, string>>;
      readonly sequencer: string;
    };
  };
  readonly source: { readonly host: string; readonly port: string; readonly userAgent: string };
}

export interface NotificationContext {
  readonly region: string;
  readonly deploymentId: string;
  readonly originEndpoint: string;
  /** MinIO's sequencer: the event time in nanoseconds, upper-case hex. */
  readonly sequencer: bigint;
}

const DEFAULT_EVENTS = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];
const DEFAULT_QUEUE_LIMIT = 10_000;
const DEFAULT_RETRY_INTERVAL_MS = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
// MinIO's notification configuration id when the target is set with `mc event add` and no --id.
const CONFIGURATION_ID = 'Config';
const RETRYABLE_STATUSES = new Set([408, 429]);

/** The webhook body MinIO sends for one event. */
export function minioNotification(event: S3ObjectEvent, context: NotificationContext): MinioNotificationBody {
  const eventName = `s3:${event.eventName}`;
  const principalId = event.request.accessKeyId ?? '';
  const created = event.eventName.startsWith('ObjectCreated:');
  const record: MinioEventRecord = {
    eventVersion: '2.0',
    eventSource: 'minio:s3',
    awsRegion: context.region,
    eventTime: event.eventTime,
    eventName,
    userIdentity: { principalId },
    requestParameters: { principalId, region: context.region, sourceIPAddress: event.request.sourceIp },
    responseElements: {
      'x-amz-id-2': createHash('sha256').update(context.deploymentId).digest('hex'),
      'x-amz-request-id': event.request.requestId,
      'x-minio-deployment-id': context.deploymentId,
      'x-minio-origin-endpoint': context.originEndpoint,
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: CONFIGURATION_ID,
      bucket: { name: event.bucket, ownerIdentity: { principalId }, arn: `arn:aws:s3:::${event.bucket}` },
      object: {
        key: goQueryEscape(event.key),
        // Removal events carry neither size nor eTag in MinIO's records.
        ...(created
          ? {
              size: event.size ?? 0,
              ...(event.eTag !== undefined ? { eTag: event.eTag } : {}),
              ...(event.contentType !== undefined ? { contentType: event.contentType } : {}),
              userMetadata: minioUserMetadata(event),
            }
          : {}),
        sequencer: context.sequencer.toString(16).toUpperCase(),
      },
    },
    source: {
      host: event.request.sourceIp,
      port: String(event.request.sourcePort),
      userAgent: event.request.userAgent,
    },
  };
  return { EventName: eventName, Key: `${event.bucket}/${event.key}`, Records: [record] };
}

/** Go's url.QueryEscape, which MinIO applies to object keys: only A-Z a-z 0-9 - _ . ~ stay, space is `+`. */
export function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** MinIO lists the content type and the x-amz-meta-* headers, names canonicalised as Go does. */
function minioUserMetadata(event: S3ObjectEvent): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (event.contentType !== undefined) metadata['content-type'] = event.contentType;
  for (const [name, value] of Object.entries(event.userMetadata)) {
    metadata[
      name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
    ] = value;
  }
  return metadata;
}

/** Whether a MinIO event name matches a configured name or `prefix:*` wildcard. */
export function eventSelected(eventName: string, selected: readonly string[]): boolean {
  return selected.some((pattern) =>
    pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : eventName === pattern,
  );
}

export function createMinioWebhookTarget(options: MinioWebhookOptions): MinioWebhookTarget {
  const endpoint = new URL(options.endpoint).toString();
  if (options.authToken === '')
    throw new Error('MinIO webhook target: authToken is empty; expected the bearer token');
  const events = options.events ?? DEFAULT_EVENTS;
  const buckets = options.buckets && new Set(options.buckets);
  const queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
  const retryIntervalMs = options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const onDrop = options.onDrop ?? (() => undefined);
  const deploymentId = randomUUID();
  const queue: MinioNotificationBody[] = [];
  const idleWaiters: Array<() => void> = [];
  const stopping = new AbortController();
  let lastSequencer = 0n;
  let delivered = 0;
  let dropped = 0;
  let draining: Promise<void> | undefined;

  const drop = (body: MinioNotificationBody, reason: string): void => {
    dropped += 1;
    onDrop({ key: body.Key, eventName: body.EventName, reason });
  };

  const post = async (body: MinioNotificationBody): Promise<'delivered' | 'retry' | string> => {
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${options.authToken}`,
          'user-agent': 'MinIO (linux; amd64) lakehouse-ops local',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(requestTimeoutMs)]),
      });
      await response.arrayBuffer();
      if (response.ok) return 'delivered';
      if (response.status >= 500 || RETRYABLE_STATUSES.has(response.status)) return 'retry';
      return `the target refused it with HTTP ${response.status}`;
    } catch {
      return 'retry'; // unreachable or too slow: MinIO marks the target offline and retries
    }
  };

  const drain = async (): Promise<void> => {
    for (let head = queue[0]; head !== undefined && !stopping.signal.aborted; head = queue[0]) {
      const outcome = await post(head);
      if (stopping.signal.aborted) break;
      if (outcome === 'retry') {
        await pause(retryIntervalMs, stopping.signal);
        continue;
      }
      queue.shift();
      if (outcome === 'delivered') delivered += 1;
      else drop(head, outcome);
    }
    draining = undefined;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  return {
    notify(event) {
      const eventName = `s3:${event.eventName}`;
      if (
        stopping.signal.aborted ||
        !eventSelected(eventName, events) ||
        (buckets && !buckets.has(event.bucket))
      ) {
        return;
      }
      // Nanoseconds of the event time, kept strictly increasing for events within one millisecond.
      const nanos = BigInt(Date.parse(event.eventTime)) * 1_000_000n;
      lastSequencer = nanos > lastSequencer ? nanos : lastSequencer + 1n;
      const body = minioNotification(event, {
        region: options.region ?? '',
        deploymentId,
        originEndpoint: options.originEndpoint ?? '',
        sequencer: lastSequencer,
      });
      if (queue.length >= queueLimit) {
        drop(body, `the queue is full (${queueLimit} events)`);
        return;
      }
      queue.push(body);
      draining ??= drain();
    },
    get pending() {
      return queue.length;
    },
    get delivered() {
      return delivered;
    },
    get dropped() {
      return dropped;
    },
    idle() {
      if (draining === undefined) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopping.abort();
      await draining;
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
