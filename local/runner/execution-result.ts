/**
 * What one workflow execution produced, in the same shape whether it ran on the local engine or in
 * AWS Step Functions (built from the engine's event stream or from GetExecutionHistory), so the CLI,
 * the drill and the tests read both alike.
 */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * SUCCEEDED: the state exited normally (possibly after retries). CAUGHT: it failed and a Catch sent
 * the execution on. FAILED: it failed and ended its branch or the execution.
 */
export type StateStatus = 'SUCCEEDED' | 'CAUGHT' | 'FAILED' | 'RUNNING';

export interface StateError {
  readonly error: string;
  readonly cause: string;
}

export interface TimelineEntry {
  readonly state: string;
  readonly type: string;
  readonly status: StateStatus;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** How many times a Retry re-ran the state. */
  readonly retries: number;
  /** The last failure, when the state failed at least once (also after a successful retry). */
  readonly error?: StateError;
  /** The iteration, for states inside a Map. */
  readonly index?: number;
}

export interface ExecutionResult {
  readonly workflow: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly durationMs: number;
  readonly timeline: readonly TimelineEntry[];
}
