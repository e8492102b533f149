import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, RequestListener } from 'node:http';
import { createRequire } from 'node:module';

/**
 * s3rver's object events, as the s3rver child process forwards them to its parent (s3-endpoint.ts):
 * one per object created (Put, Copy, Post = browser POST or completed multipart upload) or removed
 * (Delete). s3rver emits only what it knows in its own S3-style record; the rest of what a MinIO
 * notification carries (content type, user metadata, the requester's access key and address) is
 * added here, from the stored object and from the request that caused the event.
 */
export interface S3ObjectEvent {
  readonly eventName:
    | 'ObjectCreated:Put'
    | 'ObjectCreated:Copy'
    | 'ObjectCreated:Post'
    | 'ObjectRemoved:Delete';
  /** ISO 8601, milliseconds. */
  readonly eventTime: string;
  readonly bucket: string;
  /** The object key as stored (not encoded). */
  readonly key: string;
  readonly size?: number;
  /** The MD5 hex of the content, without quotes. */
  readonly eTag?: string;
  readonly contentType?: string;
  /** x-amz-meta-* as stored, names in lower case. */
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly request: {
    readonly requestId: string;
    readonly accessKeyId?: string;
    readonly sourceIp: string;
    readonly sourcePort: number;
    readonly userAgent: string;
  };
}

/** Sent to the parent whenever an object is created or removed, when it asked for object events. */
export type S3ObjectEventMessage = { type: 'object-event'; event: S3ObjectEvent };
/** The environment variable by which the parent asks the s3rver child for object events ('1'). */
export const FORWARD_OBJECT_EVENTS_VARIABLE = 'S3_FORWARD_OBJECT_EVENTS';

/** The record s3rver 3.7.1 emits (lib/models/event.js), as far as it is read here. */
interface S3rverEventRecord {
  readonly eventTime: string;
  readonly eventName: string;
  readonly responseElements: Record<string, string>;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string };
  };
}

export interface S3rverWithEvents {
  on(event: 'event', listener: (event: { Records: S3rverEventRecord[] }) => void): unknown;
  readonly store: { getMetadata(bucket: string, key: string): Promise<Record<string, unknown>> };
}

interface KoaContext {
  app: { emit(name: string, payload: unknown): boolean };
  headers: Record<string, unknown>;
  ip: string;
  store: { deleteObject(bucket: string, key: string): Promise<void> };
}

const require = createRequire(import.meta.url);
const requests = new AsyncLocalStorage<IncomingMessage>();
const PATCHED = Symbol.for('lakehouse-ops.s3rver.multi-delete-events');

/** s3rver's handler, run so that an event emitted while serving a request can find that request. */
export function tracingRequests(listener: RequestListener): RequestListener {
  return (request, response) => requests.run(request, () => listener(request, response));
}

/**
 * s3rver emits no events for DeleteObjects (multi-object delete), where MinIO notifies
 * s3:ObjectRemoved:Delete for each object. Its router looks the controller up on each request, so
 * wrapping it here makes every object that DeleteObjects removes emit s3rver's own Delete event.
 */
export function emitMultiObjectDeleteEvents(): void {
  const objects = require('s3rver/lib/controllers/object.js') as Record<string, unknown> & {
    deleteMultipleObjects: ((ctx: KoaContext) => Promise<void>) & { [PATCHED]?: true };
  };
  const S3Event = require('s3rver/lib/models/event.js') as new (
    data: unknown,
    request: { reqHeaders: unknown; sourceIp: string },
  ) => unknown;
  const original = objects.deleteMultipleObjects;
  if (original[PATCHED]) return;
  const patched = async (ctx: KoaContext): Promise<void> => {
    const store = ctx.store;
    ctx.store = Object.create(store, {
      deleteObject: {
        value: async (bucket: string, key: string) => {
          await store.deleteObject(bucket, key);
          ctx.app.emit(
            'event',
            new S3Event(
              { bucket, eventType: 'Delete', S3Item: { key } },
              { reqHeaders: ctx.headers, sourceIp: ctx.ip },
            ),
          );
        },
      },
    }) as KoaContext['store'];
    try {
      await original(ctx);
    } finally {
      // The store belongs to the app; the per-request override must not outlive the request.
      delete (ctx as Partial<KoaContext>).store;
    }
  };
  objects.deleteMultipleObjects = Object.assign(patched, { [PATCHED]: true as const });
}

/**
 * Sends each of s3rver's object events, completed, in the order s3rver emitted them (completing an
 * event reads the store, so the sends are chained rather than left to race).
 */
export function forwardObjectEvents(s3rver: S3rverWithEvents, send: (event: S3ObjectEvent) => void): void {
  let previous = Promise.resolve();
  s3rver.on('event', ({ Records }) => {
    const request = requestDetails(requests.getStore());
    for (const record of Records) {
      previous = previous
        .then(() => completeEvent(record, request, s3rver.store))
        .then(send, (error: unknown) => {
          process.stderr.write(`s3rver object event not forwarded: ${(error as Error).message}\n`);
        });
    }
  });
}

interface RequestDetails {
  readonly accessKeyId?: string;
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly userAgent: string;
  readonly headers: IncomingMessage['headers'];
}

function requestDetails(request: IncomingMessage | undefined): RequestDetails {
  const headers = request?.headers ?? {};
  // Header-signed requests name the key in Authorization, presigned ones in X-Amz-Credential.
  const credential =
    /Credential=([^/,\s]+)\//.exec(String(headers.authorization ?? ''))?.[1] ??
    new URL(request?.url ?? '/', 'http://s3rver.local').searchParams.get('X-Amz-Credential')?.split('/')[0];
  return {
    ...(credential ? { accessKeyId: credential } : {}),
    sourceIp: request?.socket.remoteAddress ?? '127.0.0.1',
    sourcePort: request?.socket.remotePort ?? 0,
    userAgent: String(headers['user-agent'] ?? ''),
    headers,
  };
}

async function completeEvent(
  record: S3rverEventRecord,
  request: RequestDetails,
  store: S3rverWithEvents['store'],
): Promise<S3ObjectEvent> {
  const eventName = record.eventName as S3ObjectEvent['eventName'];
  const { bucket, object } = record.s3;
  const { headers, ...requester } = request;
  const base = {
    eventName,
    eventTime: record.eventTime,
    bucket: bucket.name,
    key: object.key,
    request: { requestId: record.responseElements['x-amz-request-id'] ?? '', ...requester },
  };
  if (eventName === 'ObjectRemoved:Delete') return { ...base, userMetadata: {} };
  const stored = await storedMetadata(store, bucket.name, object.key);
  const storedETag = typeof stored?.etag === 'string' ? (JSON.parse(stored.etag) as string) : undefined;
  // The stored object describes this event unless a later write replaced it in the meantime; then
  // the request that caused this event still says what it wrote.
  const metadata =
    stored && (object.eTag === undefined || object.eTag === storedETag)
      ? stored
      : (headers as Record<string, unknown>);
  const eTag = object.eTag ?? storedETag;
  return {
    ...base,
    ...(object.size !== undefined ? { size: object.size } : {}),
    ...(eTag !== undefined ? { eTag } : {}),
    ...(typeof metadata['content-type'] === 'string' ? { contentType: metadata['content-type'] } : {}),
    userMetadata: Object.fromEntries(
      Object.entries(metadata).filter(
        (entry): entry is [string, string] =>
          entry[0].startsWith('x-amz-meta-') && typeof entry[1] === 'string',
      ),
    ),
  };
}

async function storedMetadata(
  store: S3rverWithEvents['store'],
  bucket: string,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await store.getMetadata(bucket, key);
  } catch {
    return undefined; // deleted since: the request's headers stand in
  }
}
