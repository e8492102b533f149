import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { ALERT_EVENT_DETAIL_TYPE, ALERT_EVENT_SOURCE, type AlertEvent } from '../alert-event.ts';

/**
 * Publishes alert events to the platform bus with PutEvents, within EventBridge's limits: 10
 * entries and 256 KiB per request. PutEvents succeeds as a call while failing single entries
 * (FailedEntryCount, an ErrorCode per entry), so each entry's own result decides whether that
 * alert was published.
 */
export interface AlertBus {
  eventBridge: EventBridgeClient;
  eventBusName: string;
}

export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export interface PublishFailure {
  event: AlertEvent;
  reason: string;
}

export interface PublishOutcome {
  published: AlertEvent[];
  failed: PublishFailure[];
}

interface PreparedEntry {
  event: AlertEvent;
  entry: PutEventsRequestEntry;
  bytes: number;
}

export function eventEntry(eventBusName: string, event: AlertEvent): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: ALERT_EVENT_SOURCE,
    DetailType: ALERT_EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(event),
  };
}

/** EventBridge's own size rule: Source, DetailType and Detail in UTF-8 (plus Time and Resources, unused). */
export function entryBytes(entry: PutEventsRequestEntry): number {
  return [entry.Source, entry.DetailType, entry.Detail].reduce(
    (total, field) => total + Buffer.byteLength(field ?? ''),
    0,
  );
}

/** Alerts whose event alone exceeds a request's size limit: no retry can ever publish them. */
export function oversizedEvents(events: readonly AlertEvent[]): { index: number; bytes: number }[] {
  return events
    .map((event, index) => ({ index, bytes: entryBytes(eventEntry('', event)) }))
    .filter(({ bytes }) => bytes > MAX_REQUEST_BYTES);
}

export async function publishAlertEvents(
  bus: AlertBus,
  events: readonly AlertEvent[],
): Promise<PublishOutcome> {
  const prepared = events.map((event) => {
    const entry = eventEntry(bus.eventBusName, event);
    return { event, entry, bytes: entryBytes(entry) };
  });
  const outcomes = await Promise.all(batchesOf(prepared).map((batch) => publishBatch(bus, batch)));
  return {
    published: outcomes.flatMap((outcome) => outcome.published),
    failed: outcomes.flatMap((outcome) => outcome.failed),
  };
}

/** Consecutive entries, at most 10 and 256 KiB per batch. */
function batchesOf(entries: readonly PreparedEntry[]): PreparedEntry[][] {
  const batches: PreparedEntry[][] = [];
  let current: PreparedEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (current.length === MAX_ENTRIES_PER_REQUEST || currentBytes + entry.bytes > MAX_REQUEST_BYTES) {
      if (current.length > 0) batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

async function publishBatch(bus: AlertBus, batch: readonly PreparedEntry[]): Promise<PublishOutcome> {
  let results: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  try {
    const response = await bus.eventBridge.send(
      new PutEventsCommand({ Entries: batch.map(({ entry }) => entry) }),
    );
    results = response.Entries ?? [];
  } catch (error) {
    const reason = `PutEvents failed: ${(error as Error).name}: ${(error as Error).message}`;
    return { published: [], failed: batch.map(({ event }) => ({ event, reason })) };
  }
  const outcome: PublishOutcome = { published: [], failed: [] };
  batch.forEach(({ event }, index) => {
    // Results come in request order; an entry without an EventId was not put on the bus.
    const result = results[index];
    if (result?.EventId && !result.ErrorCode) outcome.published.push(event);
    else
      outcome.failed.push({
        event,
        reason: result?.ErrorCode
          ? `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`.trim()
          : 'PutEvents returned no result for this entry',
      });
  });
  return outcome;
}
