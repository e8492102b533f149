import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * One object change as the replication pipeline carries it, from the ingress through the queue to
 * the replicate function: which object, and when MinIO saw it change. Deliberately not what the
 * object became: the replicate function reads that from MinIO when it acts (docs/dr.md,
 * "State-based idempotency"), so a late, repeated or reordered message cannot write stale data.
 */
export const OBJECT_EVENT_FORMAT = 'lakehouse-ops/replication-event@1';

export const objectEventSchema = z.object({
  format: z.literal(OBJECT_EVENT_FORMAT),
  bucket: nonEmptyString(),
  /** The object key, decoded (MinIO sends it URL-encoded). */
  key: nonEmptyString(),
  change: z.enum(['created', 'removed']),
  /** MinIO's event name (`s3:ObjectCreated:Put`), kept for the logs. */
  eventName: nonEmptyString(),
  /** When MinIO saw the change, ISO 8601 with milliseconds (UTC). */
  eventTime: z.iso.datetime(),
  /** MinIO's sequencer (the event time in nanoseconds, hex): orders events within a millisecond. */
  sequencer: z.string(),
});
export type ObjectEvent = z.output<typeof objectEventSchema>;

/** The key the pending journal and the replicate function group events of one object by. */
export function objectIdentity(event: Pick<ObjectEvent, 'bucket' | 'key'>): string {
  return `${event.bucket}\n${event.key}`;
}
