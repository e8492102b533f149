import type { RunOptions } from 'aws-local-stepfunctions';
import type { ContextObject } from './payload-template.ts';
import type { TimelineEvent } from './timeline.ts';

/**
 * A state that local/runner/engine-gaps.ts runs in the runner instead of the engine. It is bound
 * to each execution, because some bridged states start executions of their own (a Distributed
 * Map's children) that share the execution's task handlers and timeline.
 */
export interface LocalStepRun {
  /** The execution's context object (`$$`): Execution and StateMachine. */
  readonly context: ContextObject;
  /** The execution's engine overrides (task handlers, instant waits and retries), for child executions. */
  readonly overrides: NonNullable<RunOptions['overrides']>;
  /** Adds a child execution's state event to the execution's timeline and progress stream. */
  emit(event: TimelineEvent): void;
  /** Calls the Lambda function bound to a Task state (a bridged Task's own function). */
  invokeTask(state: string, input: unknown): Promise<unknown>;
}

export type LocalStep = (input: unknown, run: LocalStepRun) => Promise<unknown>;
