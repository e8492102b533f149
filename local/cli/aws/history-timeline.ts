import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type {
  ExecutionResult,
  ExecutionStatus,
  StateError,
  StateStatus,
  TimelineEntry,
} from '../../runner/execution-result.ts';

/**
 * Turns a Step Functions execution history into the same ExecutionResult the local runner returns.
 * Every event points at the event before it in its branch (previousEventId), so walking back to the
 * nearest `<Type>StateEntered` tells which state an event belongs to, even across parallel branches.
 */

const TERMINAL_EVENTS: Partial<Record<string, ExecutionStatus>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Events that start one attempt of a state's work (a retry schedules again). */
const ATTEMPT_EVENTS = new Set([
  'LambdaFunctionScheduled',
  'TaskScheduled',
  'ActivityScheduled',
  'ParallelStateStarted',
  'MapStateStarted',
]);

interface StateRun {
  readonly state: string;
  readonly type: string;
  readonly enteredId: number;
  readonly started: Date;
  ended?: Date;
  attempts: number;
  failures: number;
  exited: boolean;
  movedOn: boolean;
  error?: StateError;
}

export function isTerminalEvent(event: HistoryEvent): boolean {
  return event.type !== undefined && event.type in TERMINAL_EVENTS;
}

export function executionResultFromHistory(
  workflow: string,
  events: readonly HistoryEvent[],
): ExecutionResult {
  const byId = new Map(events.map((event) => [event.id ?? 0, event]));
  const runs = new Map<number, StateRun>();
  const owner = (event: HistoryEvent | undefined): StateRun | undefined => {
    for (let current = event; current; current = byId.get(current.previousEventId ?? 0)) {
      const run = runs.get(current.id ?? 0);
      if (run) return run;
    }
    return undefined;
  };

  // Exits name their state, and a Parallel's or Map's own events follow its branches' last event,
  // so those are matched to the state itself rather than through previousEventId.
  const latestOpen = (matches: (run: StateRun) => boolean): StateRun | undefined =>
    [...runs.values()].reverse().find((run) => !run.exited && matches(run));
  const ownerOf = (event: HistoryEvent, type: string): StateRun | undefined => {
    if (type.endsWith('StateExited'))
      return latestOpen((run) => run.state === event.stateExitedEventDetails?.name);
    const container = /^(Parallel|Map)State/.exec(type)?.[1];
    if (container) return latestOpen((run) => run.type === container);
    return owner(event);
  };

  let status: ExecutionStatus | undefined;
  let output: unknown;
  let failure: StateError | undefined;
  for (const event of [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) {
    const type = event.type ?? '';
    const timestamp = event.timestamp ?? new Date(0);
    if (type.endsWith('StateEntered')) {
      // The state before this one was left through a Catch if its last attempt had failed.
      const previous = owner(byId.get(event.previousEventId ?? 0));
      if (previous) previous.movedOn = true;
      runs.set(event.id ?? 0, {
        state: event.stateEnteredEventDetails?.name ?? '?',
        type: type.slice(0, -'StateEntered'.length),
        enteredId: event.id ?? 0,
        started: timestamp,
        attempts: 0,
        failures: 0,
        exited: false,
        movedOn: false,
      });
      continue;
    }
    const run = ownerOf(event, type);
    // Events after a state's exit (the execution's end, say) do not lengthen it.
    if (run && !run.exited) run.ended = timestamp;
    if (type in TERMINAL_EVENTS) {
      status = TERMINAL_EVENTS[type];
      if (type === 'ExecutionSucceeded') output = parseJson(event.executionSucceededEventDetails?.output);
      const details =
        event.executionFailedEventDetails ??
        event.executionTimedOutEventDetails ??
        event.executionAbortedEventDetails;
      if (details && 'error' in details)
        failure = { error: details.error ?? type, cause: details.cause ?? '' };
      if (run && type !== 'ExecutionSucceeded') {
        run.failures = Math.max(run.failures, run.attempts, 1);
        run.error ??= failure;
      }
      continue;
    }
    if (!run) continue;
    if (ATTEMPT_EVENTS.has(type)) run.attempts += 1;
    else if (type.endsWith('StateExited')) run.exited = true;
    else {
      const error = failureOf(event);
      if (error) {
        run.failures += 1;
        run.error = error;
      }
    }
  }

  const timeline: TimelineEntry[] = [...runs.values()]
    .sort((a, b) => a.enteredId - b.enteredId)
    .map((run) => ({
      state: run.state,
      type: run.type,
      status: stateStatus(run),
      startedAt: run.started.toISOString(),
      durationMs: (run.ended ?? run.started).getTime() - run.started.getTime(),
      retries: Math.max(0, run.attempts - 1),
      ...(run.error ? { error: run.error } : {}),
    }));
  const first = events.find((event) => event.type === 'ExecutionStarted')?.timestamp;
  const last = events.at(-1)?.timestamp;
  return {
    workflow,
    status: status ?? 'FAILED',
    ...(status === 'SUCCEEDED' ? { output } : {}),
    ...(failure ? { error: failure.error, cause: failure.cause } : {}),
    durationMs: first && last ? last.getTime() - first.getTime() : 0,
    timeline,
  };
}

function stateStatus(run: StateRun): StateStatus {
  // A state whose last attempt failed either was caught (the execution went on) or ended things.
  const lastAttemptFailed = run.failures > 0 && run.failures >= Math.max(run.attempts, 1);
  if (lastAttemptFailed) return run.movedOn || run.exited ? 'CAUGHT' : 'FAILED';
  if (run.exited) return 'SUCCEEDED';
  return run.type === 'Succeed' ? 'SUCCEEDED' : 'RUNNING';
}

function failureOf(event: HistoryEvent): StateError | undefined {
  const details =
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.activityScheduleFailedEventDetails;
  if (details) return { error: details.error ?? event.type ?? 'Error', cause: details.cause ?? '' };
  if (event.type === 'ParallelStateFailed' || event.type === 'MapStateFailed')
    return { error: 'States.BranchFailed', cause: event.type };
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
