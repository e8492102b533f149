import type { EventSubscriber, RecordedEvent } from '../aws-sim/events.ts';
import { type AslDefinition, allStates } from '../runner/definition.ts';
import type { ExecutionResult } from '../runner/execution-result.ts';
import type { LocalWorkflows, RunWorkflowOptions } from '../runner/workflows.ts';

/**
 * What EventBridge does in AWS between the alert bus and Step Functions, for the local lakehouse:
 * every event put on the alert bus (by the alert ingress) goes to the runner's dispatchEvent, which
 * starts each workflow a stack rule targets with the event as its input. The loop keeps the
 * executions it started, so that `serve` can report each outcome as it ends and tests and the drill
 * can wait until every remediation has ended (`settled()`).
 *
 * The local engine makes Wait states instant (the drill exercises paths, not the clock). A
 * remediation's wait between two looks at Prometheus is what gives a real Prometheus time to scrape
 * the repaired cluster, so here every Task that a Wait leads to is paced: it starts `waitPacingMs`
 * after its Wait instead of at once.
 */
export interface RemediationLoopOptions {
  readonly events: { subscribe(subscriber: EventSubscriber): () => void };
  readonly workflows: Pick<LocalWorkflows, 'dispatchEvent' | 'describe' | 'eventRules'>;
  /** Events of other buses (or none, for `default`) start nothing here. */
  readonly eventBusName: string;
  /** How long a Task behind a Wait state waits locally (default 1000 ms, one scrape interval). */
  readonly waitPacingMs?: number;
  /** Called as an event on the bus is handed to the runner. */
  readonly onReceived?: (event: DeliveredEvent) => void;
  /** Called as each event's executions end (serve prints them). */
  readonly onSettled?: (remediation: Remediation) => void;
}

export interface Remediation {
  /** The event as a rule target receives it. */
  readonly event: DeliveredEvent;
  readonly receivedAt: string;
  /** One per workflow a matching rule started (none when no rule matched). */
  readonly executions: readonly ExecutionResult[];
  /** Set when the runner could not run them (a bug or a broken template, not a failed remediation). */
  readonly error?: Error;
}

/** A recorded event without the bus name, which EventBridge does not pass to targets. */
export type DeliveredEvent = Omit<RecordedEvent, 'eventBusName'>;

export interface RemediationLoop {
  /** Every event's remediation that has ended, oldest first. */
  readonly remediations: readonly Remediation[];
  /** Events whose executions are still running. */
  running(): number;
  /** Resolves once no execution is running (also those started while it waited). */
  settled(): Promise<void>;
  /**
   * The first remediation (ended already or ending later) whose event matches; rejects after
   * `timeoutMs` naming what it waited for.
   */
  waitFor(what: string, match: (event: DeliveredEvent) => boolean, timeoutMs: number): Promise<Remediation>;
  /** Stops taking events (running executions go on: `settled()` waits for them). */
  stop(): void;
}

const DEFAULT_WAIT_PACING_MS = 1000;

export function startRemediationLoop(options: RemediationLoopOptions): RemediationLoop {
  const names = options.workflows.eventRules.flatMap((rule) => rule.workflows);
  const runOptions = pacedWaits(options.workflows, names, options.waitPacingMs);
  const remediations: Remediation[] = [];
  const inFlight = new Set<Promise<void>>();
  const waiters = new Set<(remediation: Remediation) => void>();

  const dispatch = (recorded: RecordedEvent) => {
    if (recorded.eventBusName !== options.eventBusName) return;
    const { eventBusName: _bus, ...event } = recorded;
    const receivedAt = new Date().toISOString();
    options.onReceived?.(event);
    const finished = (executions: readonly ExecutionResult[], error?: Error) => {
      const remediation: Remediation = { event, receivedAt, executions, ...(error ? { error } : {}) };
      remediations.push(remediation);
      options.onSettled?.(remediation);
      for (const waiter of waiters) waiter(remediation);
    };
    const run: Promise<void> = options.workflows
      .dispatchEvent(event, runOptions)
      .then(
        (executions) => finished(executions),
        (error: unknown) => finished([], error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  const unsubscribe = options.events.subscribe(dispatch);

  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  const waitFor: RemediationLoop['waitFor'] = (what, match, timeoutMs) => {
    const ended = remediations.find((remediation) => match(remediation.event));
    if (ended) return Promise.resolve(ended);
    return new Promise((resolve, reject) => {
      const waiter = (remediation: Remediation) => {
        if (!match(remediation.event)) return;
        done();
        resolve(remediation);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no remediation of ${what} ended within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
    });
  };
  return {
    remediations,
    waitFor,
    running: () => inFlight.size,
    settled,
    stop: () => {
      unsubscribe();
    },
  };
}

/**
 * Run options that start each Task a Wait state leads to `pacingMs` after the Wait (which the
 * local engine makes instant), for runs of `workflows` that a real Prometheus must keep up with.
 */
export function pacedWaits(
  workflows: Pick<LocalWorkflows, 'describe'>,
  names: readonly string[],
  pacingMs = DEFAULT_WAIT_PACING_MS,
): RunWorkflowOptions {
  const paced = tasksBehindWaits(workflows, names);
  return {
    interceptTask: async (state, _input, invoke) => {
      if (paced.has(state)) await new Promise((resolve) => setTimeout(resolve, pacingMs));
      return invoke();
    },
  };
}

/** Task states that a Wait state leads to, in these workflows. */
function tasksBehindWaits(
  workflows: Pick<LocalWorkflows, 'describe'>,
  names: readonly string[],
): Set<string> {
  const tasks = new Set<string>();
  for (const name of new Set(names)) {
    const definition: AslDefinition = workflows.describe(name).deployed;
    for (const [, state] of allStates(definition)) {
      if (state.Type === 'Wait' && typeof state.Next === 'string') tasks.add(state.Next);
    }
  }
  return tasks;
}

/** The loop of a local lakehouse: its alert bus, on its aws-sim. */
export function startLakehouseRemediationLoop(
  lakehouse: {
    readonly awsSim: { readonly events: RemediationLoopOptions['events'] };
    readonly alertWebhook: { readonly eventBusName: string };
  },
  workflows: RemediationLoopOptions['workflows'],
  options: Pick<RemediationLoopOptions, 'onReceived' | 'onSettled' | 'waitPacingMs'> = {},
): RemediationLoop {
  return startRemediationLoop({
    ...options,
    events: lakehouse.awsSim.events,
    workflows,
    eventBusName: lakehouse.alertWebhook.eventBusName,
  });
}
