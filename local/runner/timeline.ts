import type { StateMachine } from 'aws-local-stepfunctions';
import type { StateError, StateStatus, TimelineEntry } from './execution-result.ts';

/** One event of the engine's stream (the package does not export the type by name). */
export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

/**
 * An engine event, possibly from a child execution a bridged Distributed Map started: `scope`
 * (the Map Run) keeps its states apart from same-named states of another Map Run.
 */
export type TimelineEvent = EngineEvent & { readonly scope?: string };

/**
 * Builds the per-state timeline from aws-local-stepfunctions' event stream. A state is entered,
 * may fail and be retried any number of times, and then exits (possibly after a Catch) or fails
 * for good. States inside a Map repeat per iteration, so an entry is keyed by name and index.
 */
interface OpenEntry {
  state: string;
  type: string;
  status: StateStatus;
  started: number;
  ended?: number;
  retries: number;
  error?: StateError;
  index?: number;
}

export class TimelineRecorder {
  private readonly entries: OpenEntry[] = [];
  private readonly open = new Map<string, OpenEntry>();

  /** `originalTypes`: states the runner bridged, reported under their deployed type. */
  constructor(private readonly originalTypes: Readonly<Record<string, string>> = {}) {}

  record(event: TimelineEvent): void {
    if (!('state' in event)) return;
    const key = `${event.scope ?? ''}/${event.state.name}#${event.index ?? ''}`;
    if (event.type === 'StateEntered') {
      const entry: OpenEntry = {
        state: event.state.name,
        type: this.originalTypes[event.state.name] ?? event.state.type,
        status: 'RUNNING',
        started: event.timestamp,
        retries: 0,
        index: event.index,
      };
      this.entries.push(entry);
      this.open.set(key, entry);
      return;
    }
    const entry = this.open.get(key);
    if (!entry) return;
    switch (event.type) {
      case 'StateFailed':
        entry.error = { error: event.Error, cause: describeCause(event.Cause) };
        entry.status = 'FAILED';
        entry.ended = event.timestamp;
        break;
      case 'StateRetried':
        entry.retries += 1;
        entry.status = 'RUNNING';
        entry.ended = undefined;
        break;
      case 'StateCaught':
        entry.status = 'CAUGHT';
        break;
      case 'StateExited':
        if (entry.status === 'RUNNING') entry.status = 'SUCCEEDED';
        entry.ended = event.timestamp;
        this.open.delete(key);
        break;
    }
  }

  timeline(now = Date.now()): TimelineEntry[] {
    // Child executions report through their own stream, which may overtake the parent's: order by
    // start time (the sort is stable, so simultaneous entries keep their arrival order).
    const chronological = [...this.entries].sort((a, b) => a.started - b.started);
    return chronological.map(({ started, ended, index, error, ...entry }) => ({
      ...entry,
      startedAt: new Date(started).toISOString(),
      durationMs: (ended ?? now) - started,
      ...(error ? { error } : {}),
      ...(index === undefined ? {} : { index }),
    }));
  }
}

/** The engine hands over the thrown error's cause or message, which may be any value. */
export function describeCause(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? String(cause);
}
