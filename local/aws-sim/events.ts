import { randomUUID } from 'node:crypto';
import { AwsServiceError, jsonResponse, parseJsonBody, type SimRequest, type SimResponse } from './http.ts';

/**
 * EventBridge PutEvents over the JSON 1.1 protocol (`X-Amz-Target: AWSEvents.PutEvents`). Each
 * accepted entry is recorded as the event a rule target would receive, and handed to subscribers,
 * so the local runner can evaluate its rules and start what they target. Entries fail one by one
 * with an ErrorCode, as in AWS, and tests can make them fail on purpose.
 */

/** An event as EventBridge delivers it to targets, plus the bus it was put on. */
export interface RecordedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
  readonly eventBusName: string;
}

export type EventSubscriber = (event: RecordedEvent) => void;

/** What an injected failure makes an entry answer; undefined lets the entry through. */
export type EntryFailure = { errorCode: string; errorMessage: string } | undefined;
export type FailureRule = (entry: PutEventsEntry) => EntryFailure;

export interface PutEventsEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
  readonly Resources?: unknown;
  readonly Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
// EventBridge limits: 10 entries and 256 KiB per PutEvents request.
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const DEFAULT_BUS = 'default';

export class EventsSimulator {
  private readonly events: RecordedEvent[] = [];
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly failureRules = new Set<FailureRule>();
  private readonly buses: Set<string> | undefined;

  /** `eventBuses`: the buses that exist (besides `default`); any bus is accepted when omitted. */
  constructor(
    private readonly region: string,
    private readonly accountId: string,
    eventBuses?: readonly string[],
  ) {
    this.buses = eventBuses && new Set([DEFAULT_BUS, ...eventBuses]);
  }

  /** Everything put so far, oldest first (a copy). */
  get recorded(): readonly RecordedEvent[] {
    return [...this.events];
  }

  /** Calls `subscriber` with each event accepted from now on; returns the unsubscribe function. */
  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Makes matching entries fail (a throttled or failing bus) until the returned function is called. */
  failEntries(rule: FailureRule): () => void {
    this.failureRules.add(rule);
    return () => this.failureRules.delete(rule);
  }

  handles(request: SimRequest): boolean {
    return String(request.headers['x-amz-target'] ?? '').startsWith('AWSEvents.');
  }

  handle(request: SimRequest): SimResponse {
    const target = String(request.headers['x-amz-target']);
    if (target !== TARGET) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `aws-sim EventBridge does not implement ${target}`,
        400,
      );
    }
    const entries = validEntries(parseJsonBody(request).Entries);
    const accepted: RecordedEvent[] = [];
    const results = entries.map((entry): EntryResult => {
      const outcome = this.put(entry);
      if ('event' in outcome) {
        accepted.push(outcome.event);
        return { EventId: outcome.event.id };
      }
      return outcome;
    });
    this.events.push(...accepted);
    this.notify(accepted);
    return jsonResponse(
      200,
      { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results },
      CONTENT_TYPE,
    );
  }

  private put(entry: PutEventsEntry): { event: RecordedEvent } | { ErrorCode: string; ErrorMessage: string } {
    for (const rule of this.failureRules) {
      const failure = rule(entry);
      if (failure) return { ErrorCode: failure.errorCode, ErrorMessage: failure.errorMessage };
    }
    const { Source, DetailType, Detail } = entry;
    if (typeof Source !== 'string' || Source === '') return invalidArgument('Source');
    if (typeof DetailType !== 'string' || DetailType === '') return invalidArgument('DetailType');
    const detail = parseDetail(Detail);
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const eventBusName = busName(entry.EventBusName);
    if (this.buses && !this.buses.has(eventBusName)) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${eventBusName} does not exist.`,
      };
    }
    return {
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': DetailType,
        source: Source,
        account: this.accountId,
        time: eventTime(entry.Time),
        region: this.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        detail,
        eventBusName,
      },
    };
  }

  private notify(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      for (const subscriber of this.subscribers) {
        try {
          subscriber(event);
        } catch (error) {
          // A subscriber's bug must not turn an accepted PutEvents into a failed one.
          process.emitWarning(`aws-sim EventBridge subscriber failed: ${(error as Error).message}`);
        }
      }
    }
  }
}

function validEntries(entries: unknown): PutEventsEntry[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new AwsServiceError('ValidationException', 'Entries must be a non-empty list', 400);
  }
  if (entries.length > MAX_ENTRIES) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      400,
    );
  }
  const bytes = entries.reduce(
    (total: number, entry: PutEventsEntry) =>
      total +
      [entry.Source, entry.DetailType, entry.Detail].reduce(
        (sum: number, field) => sum + fieldBytes(field),
        0,
      ),
    0,
  );
  if (bytes > MAX_REQUEST_BYTES) {
    throw new AwsServiceError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
      400,
    );
  }
  return entries as PutEventsEntry[];
}

function fieldBytes(field: unknown): number {
  return typeof field === 'string' ? Buffer.byteLength(field) : 0;
}

function invalidArgument(field: string): { ErrorCode: string; ErrorMessage: string } {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
  };
}

/** EventBridge requires Detail to be a JSON object. */
function parseDetail(detail: unknown): Record<string, unknown> | undefined {
  if (typeof detail !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(detail);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Buses are addressed by name or ARN; events name the bus. */
function busName(eventBusName: unknown): string {
  if (typeof eventBusName !== 'string' || eventBusName === '') return DEFAULT_BUS;
  return eventBusName.startsWith('arn:')
    ? eventBusName.slice(eventBusName.lastIndexOf('/') + 1)
    : eventBusName;
}

/** The SDK sends Time as epoch seconds; EventBridge delivers it to the second, in UTC. */
function eventTime(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date();
  return `${date.toISOString().slice(0, 19)}Z`;
}
