import * as z from 'zod/mini';
import { InvalidInputError, namedError } from '../../../commons/errors.ts';
import { describeSchemaProblems, safeParseWithMessages } from '../../../commons/schema-problems.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { OBJECT_EVENT_FORMAT, type ObjectEvent } from './object-event.ts';

/**
 * MinIO's bucket notification as its webhook target POSTs it: `{"EventName", "Key", "Records"}`,
 * with one record per request (the target sends each event on its own), `Key` being
 * `<bucket>/<decoded key>` and each record's `s3.object.key` the key URL-encoded as Go's
 * url.QueryEscape does it (space as `+`). Delete events carry no size or eTag. Only
 * `s3:ObjectCreated:*` and `s3:ObjectRemoved:*` change what the replica must hold; any other event
 * (a notification configured wider than that) is reported as ignored, not refused.
 */
export class InvalidNotificationError extends namedError('InvalidNotificationError', InvalidInputError) {}

export const MINIO_EVENT_SOURCE = 'minio:s3';

const recordSchema = z.looseObject({
  eventVersion: z.string(),
  eventSource: z.string(),
  eventTime: z.iso.datetime({ offset: true }),
  eventName: nonEmptyString(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: nonEmptyString() }),
    object: z.looseObject({
      key: nonEmptyString(),
      size: z.optional(z.number()),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      sequencer: z.string(),
    }),
  }),
});
type NotificationRecord = z.output<typeof recordSchema>;

const notificationSchema = z.looseObject({
  EventName: z.optional(z.string()),
  Key: z.optional(z.string()),
  Records: z.array(recordSchema),
});

export interface IgnoredRecord {
  bucket: string;
  key: string;
  eventName: string;
  reason: string;
}

export type ParsedNotification =
  /** An empty body, or S3's `s3:TestEvent`: a sender checking that the endpoint answers. */
  { kind: 'test' } | { kind: 'events'; events: ObjectEvent[]; ignored: IgnoredRecord[] };

export function parseNotification(body: string): ParsedNotification {
  if (body.trim() === '') return { kind: 'test' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidNotificationError(`the body is not JSON: ${(error as Error).message}`, {
      problems: ['expected a MinIO notification: {"EventName": ..., "Key": ..., "Records": [...]}'],
    });
  }
  if (isTestEvent(json)) return { kind: 'test' };
  const parsed = safeParseWithMessages(notificationSchema, json, { showInput: false });
  if (!parsed.success) {
    const problems = describeSchemaProblems(parsed.error.issues, { showInput: false });
    throw new InvalidNotificationError(`the body is not a MinIO notification: ${problems.join('; ')}`, {
      problems,
    });
  }
  const problems: string[] = [];
  const events: ObjectEvent[] = [];
  const ignored: IgnoredRecord[] = [];
  parsed.data.Records.forEach((record, index) => {
    const where = `Records[${index}]`;
    const key = queryUnescape(record.s3.object.key);
    if (key === undefined) {
      problems.push(`${where}.s3.object.key: ${JSON.stringify(record.s3.object.key)} is not URL-encoded`);
      return;
    }
    if (record.eventSource !== MINIO_EVENT_SOURCE) {
      problems.push(
        `${where}.eventSource: expected ${JSON.stringify(MINIO_EVENT_SOURCE)}, got ${JSON.stringify(record.eventSource)}`,
      );
      return;
    }
    const change = changeOf(record.eventName);
    const bucket = record.s3.bucket.name;
    if (!change) {
      ignored.push({ bucket, key, eventName: record.eventName, reason: 'not an object creation or removal' });
      return;
    }
    events.push(objectEventOf(record, key, change));
  });
  const { Key: logKey } = parsed.data;
  const only = events[0];
  if (
    logKey !== undefined &&
    parsed.data.Records.length === 1 &&
    only &&
    logKey !== `${only.bucket}/${only.key}`
  ) {
    problems.push(
      `Key: ${JSON.stringify(logKey)} is not the record's bucket and decoded key ${JSON.stringify(`${only.bucket}/${only.key}`)}`,
    );
  }
  if (problems.length > 0) {
    throw new InvalidNotificationError(`the MinIO notification is invalid: ${problems.join('; ')}`, {
      problems,
    });
  }
  return { kind: 'events', events, ignored };
}

function isTestEvent(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { Event?: unknown }).Event === 's3:TestEvent';
}

function changeOf(eventName: string): ObjectEvent['change'] | undefined {
  if (eventName.startsWith('s3:ObjectCreated:')) return 'created';
  if (eventName.startsWith('s3:ObjectRemoved:')) return 'removed';
  return undefined;
}

function objectEventOf(record: NotificationRecord, key: string, change: ObjectEvent['change']): ObjectEvent {
  return {
    format: OBJECT_EVENT_FORMAT,
    bucket: record.s3.bucket.name,
    key,
    change,
    eventName: record.eventName,
    // MinIO writes milliseconds and `Z`; normalising makes every journal sort key the same width.
    eventTime: new Date(record.eventTime).toISOString(),
    sequencer: record.s3.object.sequencer,
  };
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte of UTF-8; undefined when malformed. */
export function queryUnescape(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
