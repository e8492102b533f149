import '../compat/promise-with-resolvers.ts';
import { randomUUID } from 'node:crypto';
import { ExecutionError, type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { type AslDefinition, allStates } from './definition.ts';
import type { ItemSource } from './distributed-map/item-reader.ts';
import { bridgeEngineGaps } from './engine-gaps.ts';
import type { ExecutionResult, ExecutionStatus } from './execution-result.ts';
import type { PseudoParameters } from './intrinsics.ts';
import type { LocalStepRun } from './local-step.ts';
import type { TaskTokenBroker } from './task-tokens.ts';
import { describeCause, type TimelineEvent, TimelineRecorder } from './timeline.ts';

/**
 * One state machine ready to run on aws-local-stepfunctions: its engine gaps bridged and the engine
 * StateMachine constructed once (construction validates the whole definition). Each run gets a
 * context object like Step Functions' (execution and state machine ARNs) and returns the result
 * with its per-state timeline.
 */
export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface CompileWorkflowOptions {
  readonly name: string;
  readonly stateMachineName: string;
  /** The deployed definition, tokens resolved and normalized (definition.ts). */
  readonly definition: AslDefinition;
  /** Handlers of the Task states, keyed by state name (nested states included). */
  readonly tasks: Readonly<Record<string, TaskHandler>>;
  readonly pseudo: PseudoParameters;
  /** Where Distributed Map ItemReaders read from. */
  readonly itemSource?: ItemSource;
  /** The timeout (seconds) of the Lambda function behind each Task, by state name (engine-gaps.ts). */
  readonly taskTimeouts?: Readonly<Record<string, number>>;
  /** Where task-token Tasks park (engine-gaps.ts). */
  readonly taskTokens?: TaskTokenBroker;
}

export interface RunWorkflowOptions {
  /** Called for each engine event as it happens (progress display), child executions' included. */
  readonly onEvent?: (event: TimelineEvent) => void;
  /**
   * Stands between a Task state and its handler, for tests that need one invocation to fail the
   * way Lambda fails (a timeout, a crash) without breaking the platform for every other one.
   */
  readonly interceptTask?: (
    state: string,
    input: unknown,
    invoke: () => Promise<unknown>,
  ) => Promise<unknown>;
}

export interface CompiledWorkflow {
  readonly name: string;
  readonly stateMachineName: string;
  readonly definition: AslDefinition;
  /** What the engine executes: the definition but for the bridged states. */
  readonly executed: AslDefinition;
  readonly bridgedStates: readonly string[];
  /** Tasks the runner gave their Lambda function's timeout (engine-gaps.ts). */
  readonly retimedTasks: readonly string[];
  run(input: unknown, options?: RunWorkflowOptions): Promise<ExecutionResult>;
}

export function compileWorkflow(options: CompileWorkflowOptions): CompiledWorkflow {
  const bridged = bridgeEngineGaps(options.name, options.definition, {
    itemSource: options.itemSource,
    taskTimeouts: options.taskTimeouts,
    taskTokens: options.taskTokens,
  });
  // The engine writes defaults (QueryLanguage) into the object it is given: keep ours pristine.
  const machine = new StateMachine(structuredClone(bridged.definition));
  // From the deployed definition: bridged Maps hide their processors' states from the engine's.
  const timing = instantWaitsAndRetries(options.definition);
  const stateMachineArn = `arn:${options.pseudo.partition}:states:${options.pseudo.region}:${options.pseudo.accountId}:stateMachine:${options.stateMachineName}`;

  const run = async (input: unknown, runOptions: RunWorkflowOptions = {}): Promise<ExecutionResult> => {
    const started = Date.now();
    const executionName = randomUUID();
    const recorder = new TimelineRecorder(bridged.originalTypes);
    const overrides: NonNullable<RunOptions['overrides']> = { ...timing };
    const intercept = runOptions.interceptTask;
    const tasks = Object.fromEntries(
      Object.entries(options.tasks).map(([name, task]) => [
        name,
        intercept ? (taskInput: unknown) => intercept(name, taskInput, () => task(taskInput)) : task,
      ]),
    );
    const stepRun: LocalStepRun = {
      context: {
        Execution: {
          Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`,
          Name: executionName,
          StartTime: new Date(started).toISOString(),
        },
        StateMachine: { Id: stateMachineArn, Name: options.stateMachineName },
      },
      overrides,
      emit: (event) => {
        recorder.record(event);
        runOptions.onEvent?.(event);
      },
      invokeTask: (state, taskInput) => {
        const task = tasks[state];
        if (!task) throw new Error(`${options.name}: no function is bound to Task ${state}`);
        return task(taskInput);
      },
    };
    const localSteps = Object.entries(bridged.localSteps).map(([name, step]) => [
      name,
      (stepInput: unknown) => step(stepInput, stepRun),
    ]);
    overrides.taskResourceLocalHandlers = {
      ...tasks,
      ...Object.fromEntries(localSteps),
    } as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'];

    const execution = machine.run(input as never, {
      overrides,
      context: stepRun.context as NonNullable<RunOptions['context']>,
    });
    let failure: { error: string; cause: string } | undefined;
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        recorder.record(event);
        if (event.type === 'ExecutionFailed')
          failure = { error: event.Error, cause: describeCause(event.Cause) };
        runOptions.onEvent?.(event);
      }
    })();

    let status: ExecutionStatus = 'SUCCEEDED';
    let output: unknown;
    try {
      output = await execution.result;
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      status = 'FAILED';
    }
    await events;
    return {
      workflow: options.name,
      status,
      ...(status === 'SUCCEEDED' ? { output } : {}),
      ...(failure ? { error: failure.error, cause: failure.cause } : {}),
      durationMs: Date.now() - started,
      timeline: recorder.timeline(),
    };
  };

  return {
    name: options.name,
    stateMachineName: options.stateMachineName,
    definition: options.definition,
    executed: bridged.definition,
    bridgedStates: Object.keys(bridged.originalTypes),
    retimedTasks: bridged.retimedTasks,
    run,
  };
}

/** Waits and retry backoff take no time locally: the drill exercises the paths, not the clock. */
function instantWaitsAndRetries(definition: AslDefinition) {
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (Array.isArray(state.Retry)) retryIntervalOverrides[name] = 0;
  }
  return { waitTimeOverrides, retryIntervalOverrides };
}
