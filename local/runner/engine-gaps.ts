import type { AslDefinition, AslState } from './definition.ts';
import {
  bridgeDistributedMap,
  distributedMapProblems,
  isDistributedMap,
} from './distributed-map/distributed-map.ts';
import type { ItemSource } from './distributed-map/item-reader.ts';
import type { LocalStep } from './local-step.ts';
import { evaluatePayloadTemplate, usesJsonToString } from './payload-template.ts';
import { TaskTokenBroker } from './task-tokens.ts';

/**
 * The one place where the runner bridges what aws-local-stepfunctions 3.0.0 lacks or gets wrong
 * (DESIGN.md, "The embedded local lakehouse", point 6). What is bridged today:
 *
 * - States.JsonToString in a Pass state's Parameters (and a Lambda Task's). The engine strips every backslash from
 *   intrinsic results, so JSON holding a string with quotes (a Lambda error cause, for one) comes
 *   out as invalid JSON. Such a Pass runs as a local step that evaluates its Parameters as Step
 *   Functions does; InputPath, ResultPath and OutputPath stay with the engine, and the timeline
 *   still reports the state as a Pass. A Lambda Task with such Parameters runs as a local step
 *   that evaluates them and invokes the Task's own function; Retry and Catch stay with the engine.
 * - Distributed Map (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED, ItemReader over S3). The
 *   engine knows neither ItemReader nor tolerated failures, so the Map runs as a local step
 *   (distributed-map/distributed-map.ts) standing in a Task that keeps the Map's InputPath,
 *   ResultSelector, ResultPath, OutputPath, Retry and Catch; its children are executions of the
 *   ItemProcessor, bridged in turn. The timeline reports the state as a Map with its children.
 *
 * - Task tokens (`arn:aws:states:::lambda:invoke.waitForTaskToken`, remediation's approvals): the
 *   Task runs as a local step that parks a fresh token with the TaskTokenBroker (task-tokens.ts),
 *   evaluates the Parameters with `$$.Task.Token` set to it, invokes the function with the
 *   Payload, and waits for SendTaskSuccess/Failure or the state's TimeoutSeconds (States.Timeout),
 *   as Step Functions does. HeartbeatSeconds is refused.
 *
 * - Nested executions (`states:startExecution.sync` / `.sync:2`, provision's ValidatePlatform):
 *   not in this module but in nested-execution.ts, which binds such a Task to a handler that runs
 *   the child workflow with the same runner and answers as Step Functions does.
 *
 * - Task timeouts. The engine stops a Task without TimeoutSeconds after 60 s, where Step Functions
 *   waits as long as the Lambda function may run (its own timeout ends it with Sandbox.Timedout,
 *   which lambda-invoke.ts enforces locally). Such a Task gets TimeoutSeconds one second above its
 *   function's timeout (`taskTimeouts`), and is listed in `retimedTasks`.
 *
 * What is refused up front, with the state's name, until a workflow needs it:
 *
 * - Distributed Map ResultWriter and ItemBatcher, and ItemReaders other than s3:getObject (JSON,
 *   JSONL) and s3:listObjectsV2.
 * - Task tokens on anything but lambda:invoke, and HeartbeatSeconds on a task-token Task.
 * - JSONata and Assign variables (workflows use JSONPath and no variables).
 * - States.JsonToString anywhere but in the Parameters of a Pass or a Lambda Task state.
 * - Choice rules with `IsNull: false` or `IsPresent: false`: the engine returns false for them
 *   whatever the value, so the rule would silently never match.
 */
export class UnsupportedByLocalEngineError extends Error {
  override readonly name = 'UnsupportedByLocalEngineError';
}

export interface BridgedDefinition {
  readonly definition: AslDefinition;
  /** Local steps for bridged states, keyed by state name like the engine's task overrides. */
  readonly localSteps: Record<string, LocalStep>;
  /** The type each bridged state has in the deployed definition, for the timeline. */
  readonly originalTypes: Record<string, string>;
  /** Tasks given TimeoutSeconds because the deployed definition leaves the timeout to Lambda. */
  readonly retimedTasks: string[];
}

export interface BridgeOptions {
  /** Where a Distributed Map's ItemReader reads (the local S3 endpoint). */
  readonly itemSource?: ItemSource;
  /** The timeout (seconds) of the Lambda function behind each Task, by state name. */
  readonly taskTimeouts?: Readonly<Record<string, number>>;
  /** Where task-token Tasks park (one broker per runner, shared with the local Step Functions API). */
  readonly taskTokens?: TaskTokenBroker;
}

/** Resource of a bridged Pass: a well-formed ARN that no deployed definition contains. */
const LOCAL_STEP_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:lakehouse-ops-local-runner-step';

export function bridgeEngineGaps(
  workflow: string,
  deployed: AslDefinition,
  options: BridgeOptions = {},
): BridgedDefinition {
  const bridged: BridgedDefinition = {
    definition: structuredClone(deployed),
    localSteps: {},
    originalTypes: {},
    retimedTasks: [],
  };
  const problems: string[] = [];
  const context: BridgeContext = {
    bridged,
    problems,
    itemSource: options.itemSource ?? missingItemSource(workflow),
    taskTimeouts: options.taskTimeouts ?? {},
    taskTokens: options.taskTokens ?? new TaskTokenBroker(),
  };
  bridgeStates(bridged.definition, context);
  if (problems.length > 0) {
    throw new UnsupportedByLocalEngineError(
      `Workflow ${workflow} uses features the local runner does not bridge yet (see local/runner/engine-gaps.ts):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
  }
  return bridged;
}

interface BridgeContext {
  readonly bridged: BridgedDefinition;
  readonly problems: string[];
  readonly itemSource: ItemSource;
  readonly taskTimeouts: Readonly<Record<string, number>>;
  readonly taskTokens: TaskTokenBroker;
}

/** Bridges the states of one (sub-)definition in place, depth first. */
function bridgeStates(definition: { States: Record<string, unknown> }, context: BridgeContext): void {
  const { bridged, problems, itemSource } = context;
  for (const [name, state] of Object.entries(definition.States) as [string, AslState][]) {
    problems.push(...unsupportedFeatures(name, state));
    for (const nested of nestedDefinitions(state)) bridgeStates(nested, context);
    if (isLambdaTaskToken(state)) {
      bridgeTaskToken(name, state, context);
      continue;
    }
    const lambdaTimeout = context.taskTimeouts[name];
    if (
      state.Type === 'Task' &&
      lambdaTimeout !== undefined &&
      !('TimeoutSeconds' in state || 'TimeoutSecondsPath' in state)
    ) {
      state.TimeoutSeconds = lambdaTimeout + 1;
      bridged.retimedTasks.push(name);
    }
    if (isDistributedMap(state)) {
      const mapProblems = distributedMapProblems(name, state);
      problems.push(...mapProblems);
      if (mapProblems.length > 0) continue;
      const { ProcessorConfig: _config, ...processor } = state.ItemProcessor as AslDefinition & {
        ProcessorConfig?: unknown;
      };
      const map = bridgeDistributedMap(name, state, processor as AslDefinition, itemSource);
      definition.States[name] = map.task;
      bridged.localSteps[name] = map.step;
      bridged.originalTypes[name] = 'Map';
    } else if (state.Type === 'Pass' && usesJsonToString(state.Parameters)) {
      const parameters = state.Parameters;
      bridged.localSteps[name] = async (input) =>
        evaluatePayloadTemplate(parameters, input, `${name}.Parameters`);
      bridged.originalTypes[name] = 'Pass';
      delete state.Parameters;
      state.Type = 'Task';
      state.Resource = LOCAL_STEP_RESOURCE;
    } else if (isLambdaFunctionTask(state) && usesJsonToString(state.Parameters)) {
      // The same gap on a Lambda Task's payload (dr-failover records its failures so).
      const parameters = state.Parameters;
      bridged.localSteps[name] = async (input, run) =>
        run.invokeTask(name, evaluatePayloadTemplate(parameters, input, `${name}.Parameters`, run.context));
      bridged.originalTypes[name] = 'Task';
      delete state.Parameters;
      state.Resource = LOCAL_STEP_RESOURCE;
    } else if ([state.Parameters, state.ResultSelector, state.ItemSelector].some(usesJsonToString)) {
      problems.push(`${name}: States.JsonToString outside the Parameters of a Pass or Lambda Task state`);
    }
  }
}

function unsupportedFeatures(name: string, state: AslState): string[] {
  const problems: string[] = [];
  if (('ItemReader' in state || 'ResultWriter' in state) && !isDistributedMap(state))
    problems.push(`${name}: ItemReader/ResultWriter on a Map that is not DISTRIBUTED`);
  if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
    if (!isLambdaTaskToken(state))
      problems.push(`${name}: task token on ${state.Resource} (only lambda:invoke)`);
    else if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state)
      problems.push(`${name}: HeartbeatSeconds on a task-token Task`);
  }
  if (state.QueryLanguage === 'JSONata' || 'Assign' in state) {
    problems.push(`${name}: JSONata or Assign variables (workflows must use JSONPath and no variables)`);
  }
  if (state.Type === 'Choice' && JSON.stringify(state.Choices ?? []).match(/"Is(Null|Present)":false/)) {
    problems.push(
      `${name}: a Choice rule with IsNull or IsPresent false (the engine evaluates it as never true; write Not of the true form, or test a field that is present)`,
    );
  }
  return problems;
}

/** A Task whose Resource is a function ARN (the payload-only integration the workflows use). */
function isLambdaFunctionTask(state: AslState): boolean {
  return (
    state.Type === 'Task' && typeof state.Resource === 'string' && /^arn:[a-z-]+:lambda:/.test(state.Resource)
  );
}

const LAMBDA_TASK_TOKEN = /^arn:[a-z-]+:states:::lambda:invoke\.waitForTaskToken$/;

export function isLambdaTaskToken(state: AslState): boolean {
  return (
    state.Type === 'Task' && typeof state.Resource === 'string' && LAMBDA_TASK_TOKEN.test(state.Resource)
  );
}

/** Step Functions' own limit when a task-token Task sets no TimeoutSeconds: a year. */
const DEFAULT_TASK_TOKEN_TIMEOUT_SECONDS = 365 * 24 * 3600;

function bridgeTaskToken(name: string, state: AslState, context: BridgeContext): void {
  const parameters = state.Parameters;
  const timeoutSeconds =
    typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : DEFAULT_TASK_TOKEN_TIMEOUT_SECONDS;
  const { taskTokens } = context;
  context.bridged.localSteps[name] = async (input, run) => {
    const executionName = String((run.context.Execution as { Name?: string } | undefined)?.Name ?? '');
    const { token, answer } = taskTokens.park(executionName, name);
    let timer: NodeJS.Timeout | undefined;
    try {
      const evaluated = evaluatePayloadTemplate(parameters, input, `${name}.Parameters`, {
        ...run.context,
        Task: { Token: token },
      }) as { Payload?: unknown };
      await run.invokeTask(name, evaluated.Payload ?? {});
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`${name}: no SendTaskSuccess/Failure within ${timeoutSeconds} s`);
          error.name = 'States.Timeout';
          reject(error);
        }, timeoutSeconds * 1000);
      });
      return await Promise.race([answer, timedOut]);
    } finally {
      clearTimeout(timer);
      taskTokens.abandon(token);
    }
  };
  context.bridged.originalTypes[name] = 'Task';
  delete state.Parameters;
  state.Resource = LOCAL_STEP_RESOURCE;
  // The engine's own Task timeout (60 s when absent) must not end the wait before ours does.
  state.TimeoutSeconds = timeoutSeconds + 1;
}

function nestedDefinitions(state: AslState): { States: Record<string, unknown> }[] {
  return [
    ...((state.Branches as { States: Record<string, unknown> }[] | undefined) ?? []),
    ...[state.Iterator, state.ItemProcessor].filter(Boolean),
  ] as { States: Record<string, unknown> }[];
}

function missingItemSource(workflow: string): ItemSource {
  const refuse = (): never => {
    throw new Error(
      `${workflow}: a Distributed Map reads items from S3, but the runner was given no S3 endpoint`,
    );
  };
  return { getObjectText: refuse, listObjects: refuse };
}
