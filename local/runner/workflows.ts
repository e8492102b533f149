import type { S3Client } from '@aws-sdk/client-s3';
import { WORKFLOW_METADATA_KEY } from '../../infra/constructs/workflow.ts';
import {
  type CompiledWorkflow,
  compileWorkflow,
  type RunWorkflowOptions,
  type TaskHandler,
} from './compiled-workflow.ts';
import { type AslDefinition, allStates, normalizeForLocalEngine } from './definition.ts';
import { s3ItemSource } from './distributed-map/item-reader.ts';
import { isLambdaTaskToken } from './engine-gaps.ts';
import { describeLocalEventRules, type LocalEventRule, workflowsForEvent } from './event-rules.ts';
import type { ExecutionResult } from './execution-result.ts';
import { type PseudoParameters, resolveIntrinsics } from './intrinsics.ts';
import { resolveHandlerEnvironment } from './lambda-environment.ts';
import {
  describeLocalFunctions,
  type LocalFunction,
  type LocalResources,
  localResourceResolver,
  resolveLocalDefinition,
} from './lambda-functions.ts';
import { importHandler, invokeLikeLambda, type LambdaHandler } from './lambda-invoke.ts';
import {
  describeLocalEventSourceMappings,
  describeLocalFunctionUrls,
  describeLocalSchedules,
  type LocalEventSourceMapping,
  type LocalFunctionUrl,
  type LocalSchedule,
} from './lambda-triggers.ts';
import {
  describeLocalStateMachines,
  isNestedExecution,
  type LocalStateMachine,
  nestedExecutionHandler,
  type RunChild,
} from './nested-execution.ts';
import {
  createLocalBuckets,
  describeLocalBuckets,
  type LocalBucket,
  localS3Client,
} from './stack-buckets.ts';
import { createLocalQueues, describeLocalQueues, type LocalQueue } from './stack-queues.ts';
import { TaskTokenBroker } from './task-tokens.ts';
import { type CfnTemplate, resourcesOfType, synthesizeOpsStack } from './template.ts';

export type { RunWorkflowOptions } from './compiled-workflow.ts';

/**
 * The local runner: the state machines of the synthesized OpsStack, executed by
 * aws-local-stepfunctions with every Lambda task calling the handler module that is bundled for
 * AWS. Definitions come from the template only (never a hand-written copy), and each machine is
 * constructed once because construction validates the whole definition.
 */

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LoadWorkflowsOptions {
  /** The CDK environment whose stack is synthesized (development | staging | production). */
  readonly environment?: string;
  /** The local lakehouse's variables (startLocalLakehouse().environment); AWS_REGION is required. */
  readonly localEnvironment: Readonly<Record<string, string>>;
  /** Where task-token Tasks wait for SendTaskSuccess/Failure; a new one by default. */
  readonly taskTokens?: TaskTokenBroker;
  /**
   * Visibility timeouts (seconds) by QueueName that replace the template's when the queues are
   * created, so a test sees a failed SQS message redelivered in seconds (stack-queues.ts).
   */
  readonly visibilityTimeoutOverrides?: Readonly<Record<string, number>>;
  /**
   * Where a function invokes another by name (aws-sim's Lambda): the runner registers every
   * function of the stacks there under its FunctionName, so the DR control plane's
   * invoke-primary-agent reaches the primary's agents as it does in AWS.
   */
  readonly lambdaService?: {
    register(functionName: string, invoke: (payload: unknown) => Promise<unknown>): void;
  };
}

export interface LocalWorkflows {
  readonly names: readonly string[];
  /** The variables every handler runs with (also set on process.env). */
  readonly environment: Readonly<Record<string, string>>;
  /** The stack's S3 buckets with their local names, created on the local S3 endpoint before the first run. */
  readonly buckets: readonly LocalBucket[];
  /**
   * The definition from the template with its tokens resolved and the engine quirk normalized
   * (`deployed`), and what the engine executes (`executed`): the same but for the states that
   * local/runner/engine-gaps.ts bridges (`bridgedStates`).
   */
  describe(name: string): {
    deployed: AslDefinition;
    executed: AslDefinition;
    bridgedStates: string[];
    retimedTasks: string[];
  };
  runWorkflow(name: string, input: unknown, options?: RunWorkflowOptions): Promise<ExecutionResult>;
  /** Task-token Tasks waiting for an answer (approvals), and the way to answer them. */
  readonly taskTokens: TaskTokenBroker;
  /** The stack's EventBridge rules that start its workflows (event-rules.ts). */
  readonly eventRules: readonly LocalEventRule[];
  /**
   * What EventBridge does with an event put on the bus: every workflow a matching rule targets
   * runs with the whole event as input. Resolves when those executions have ended.
   */
  dispatchEvent(event: unknown, options?: RunWorkflowOptions): Promise<ExecutionResult[]>;
  /** The stack's SQS queues, in aws-sim once deployed. */
  readonly queues: readonly LocalQueue[];
  /** SQS event-source mappings, Function URLs and schedules of the stack (lambda-triggers.ts). */
  readonly eventSourceMappings: readonly LocalEventSourceMapping[];
  readonly functionUrls: readonly LocalFunctionUrl[];
  readonly schedules: readonly LocalSchedule[];
  /**
   * Creates the stack's buckets and queues locally, as CloudFormation does before anything runs;
   * runWorkflow and dispatchEvent do it on their first call, once.
   */
  deploy(): Promise<void>;
  /** The function whose handler is functions/<name>.handler.ts (or whose FunctionName is `name`). */
  findFunction(name: string): LocalFunction;
  /** Invokes a function of the stack as Lambda does (lambda-invoke.ts), e.g. a schedule's target. */
  invokeFunction(name: string, event: unknown): Promise<unknown>;
}

interface WorkflowDefinition {
  readonly name: string;
  readonly stateMachineName: string;
  readonly definition: AslDefinition;
}

export class UnknownWorkflowError extends Error {
  override readonly name = 'UnknownWorkflowError';
}

export function localPseudoParameters(region: string, stackName: string): PseudoParameters {
  return { region, accountId: LOCAL_ACCOUNT_ID, partition: 'aws', stackName };
}

/**
 * Every state machine with `lakehouse-ops:workflow` metadata, its DefinitionString resolved with
 * Lambda ARNs as `arn:aws:lambda:<region>:000000000000:function:<logicalId>`. Shared by the runner
 * and the test that compares it with `cdk synth` output, so both resolve the same way.
 */
export function resolveWorkflowDefinitions(
  template: CfnTemplate,
  pseudo: PseudoParameters,
): WorkflowDefinition[] {
  const resources = describeLocalResources(template, pseudo);
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').flatMap(([logicalId, resource]) => {
    const name = resource.Metadata?.[WORKFLOW_METADATA_KEY];
    if (typeof name !== 'string') return [];
    const properties = resource.Properties ?? {};
    const context = `State machine ${logicalId} (${name})`;
    const resolved = resolveLocalDefinition(
      properties.DefinitionString,
      resources,
      pseudo,
      context,
    ) as AslDefinition;
    const stateMachineName =
      typeof properties.StateMachineName === 'string' ? properties.StateMachineName : logicalId;
    return [{ name, stateMachineName, definition: normalizeForLocalEngine(resolved) }];
  });
}

function describeLocalResources(template: CfnTemplate, pseudo: PseudoParameters): LocalResources {
  return {
    functions: describeLocalFunctions(template, pseudo),
    buckets: describeLocalBuckets(template, pseudo),
    stateMachines: describeLocalStateMachines(template, pseudo),
  };
}

export async function loadWorkflows(options: LoadWorkflowsOptions): Promise<LocalWorkflows> {
  const region = options.localEnvironment.AWS_REGION;
  if (!region)
    throw new Error('loadWorkflows: localEnvironment.AWS_REGION is required (the region of the local ARNs)');
  const { stackName, template } = synthesizeOpsStack(options.environment ?? 'development');
  const pseudo = localPseudoParameters(region, stackName);
  // Queues only matter to the handlers (their URLs), so only the runner describes them.
  const resources = {
    ...describeLocalResources(template, pseudo),
    queues: describeLocalQueues(template, pseudo, options.localEnvironment.AWS_ENDPOINT_URL_SQS),
  };
  const byArn = new Map([...resources.functions.values()].map((fn) => [fn.functionArn, fn]));

  const tokenResolver = localResourceResolver(resources, 'A Lambda environment variable');
  const environment = resolveHandlerEnvironment(
    resources.functions.values(),
    options.localEnvironment,
    (token) => {
      try {
        const value = resolveIntrinsics(token, tokenResolver, pseudo);
        return typeof value === 'string' ? value : undefined;
      } catch {
        return undefined;
      }
    },
  );
  // Before any handler module loads: some read their configuration at import time.
  Object.assign(process.env, environment);

  let s3: S3Client | undefined;
  const itemSource = s3ItemSource(() => {
    s3 ??= localS3Client(environment);
    return s3;
  });
  const workflows = new Map<string, CompiledWorkflow>();
  const taskTokens = options.taskTokens ?? new TaskTokenBroker();
  // A nested execution runs its child with this runner, by then fully loaded.
  const runChild: RunChild = (name, input) => requireLoaded(workflows, name).run(input);
  const nested = { machines: resources.stateMachines ?? new Map(), runChild };
  for (const workflow of resolveWorkflowDefinitions(template, pseudo)) {
    const { tasks, taskTimeouts } = await bindTasks(workflow.name, workflow.definition, byArn, nested);
    workflows.set(
      workflow.name,
      compileWorkflow({ ...workflow, tasks, taskTimeouts, pseudo, itemSource, taskTokens }),
    );
  }

  const eventRules = describeLocalEventRules(template, nested.machines);
  const triggerResources = { ...resources, stateMachines: nested.machines };
  const buckets = [...resources.buckets.values()];
  let deployed: Promise<void> | undefined;
  const deployResources = () => {
    deployed ??= Promise.all([
      createLocalBuckets(buckets, environment),
      createLocalQueues(resources.queues, environment, options.visibilityTimeoutOverrides),
    ]).then(
      () => undefined,
      (error: unknown) => {
        deployed = undefined;
        throw error;
      },
    );
    return deployed;
  };
  const functions = [...resources.functions.values()];
  const handlers = new Map<LocalFunction, Promise<LambdaHandler>>();
  const findFunction = (name: string) => functionNamed(functions, name);
  const invoke = async (fn: LocalFunction, event: unknown) => {
    if (!handlers.has(fn)) handlers.set(fn, importHandler(fn));
    return invokeLikeLambda(fn, await (handlers.get(fn) as Promise<LambdaHandler>), event);
  };
  for (const fn of functions) options.lambdaService?.register(fn.functionName, (event) => invoke(fn, event));

  return {
    names: [...workflows.keys()],
    environment,
    buckets,
    taskTokens,
    describe: (name) => {
      const workflow = requireLoaded(workflows, name);
      return {
        deployed: structuredClone(workflow.definition),
        executed: structuredClone(workflow.executed),
        bridgedStates: [...workflow.bridgedStates],
        retimedTasks: [...workflow.retimedTasks],
      };
    },
    runWorkflow: async (name, input, runOptions) => {
      const workflow = requireLoaded(workflows, name);
      await deployResources();
      return workflow.run(input, runOptions);
    },
    eventRules,
    dispatchEvent: async (event, runOptions) => {
      await deployResources();
      return Promise.all(
        workflowsForEvent(eventRules, event).map((name) =>
          requireLoaded(workflows, name).run(event, runOptions),
        ),
      );
    },
    queues: [...resources.queues.values()],
    eventSourceMappings: describeLocalEventSourceMappings(template, triggerResources),
    functionUrls: describeLocalFunctionUrls(template, resources.functions),
    schedules: describeLocalSchedules(template, triggerResources),
    deploy: deployResources,
    findFunction,
    invokeFunction: (name, event) => invoke(findFunction(name), event),
  };
}

export class UnknownFunctionError extends Error {
  override readonly name = 'UnknownFunctionError';
}

function functionNamed(functions: readonly LocalFunction[], name: string): LocalFunction {
  const matches = functions.filter(
    (fn) => fn.handlerModule === `functions/${name}.handler.ts` || fn.functionName === name,
  );
  if (matches.length === 1) return matches[0] as LocalFunction;
  // notify, request-approval and approve-remediation are deployed in both regions (the DR control
  // plane has its own); locally one process runs either with the same variables, so the first
  // (the OpsStack's) stands for both.
  const [first] = matches;
  if (first && matches.every((fn) => fn.handlerModule === first.handlerModule)) return first;
  const known = functions.map((fn) => fn.handlerModule.replace(/^functions\/|\.handler\.ts$/g, ''));
  throw new UnknownFunctionError(
    matches.length === 0
      ? `No function of the stack has the handler functions/${name}.handler.ts or the name ${name}; handlers: ${[...new Set(known)].sort().join(', ')}`
      : `${matches.length} functions of the stack match ${name} (${matches.map((fn) => fn.functionName).join(', ')}): name one by its FunctionName`,
  );
}

function requireLoaded(workflows: ReadonlyMap<string, CompiledWorkflow>, name: string): CompiledWorkflow {
  const workflow = workflows.get(name);
  if (!workflow) {
    throw new UnknownWorkflowError(
      `Unknown workflow "${name}": the stack defines ${[...workflows.keys()].join(', ') || 'none'}`,
    );
  }
  return workflow;
}

/** Maps every Lambda Task state (nested ones included) to its handler, keyed by state name as the engine expects. */
async function bindTasks(
  workflow: string,
  definition: AslDefinition,
  byArn: ReadonlyMap<string, LocalFunction>,
  nested: { machines: ReadonlyMap<string, LocalStateMachine>; runChild: RunChild },
): Promise<{ tasks: Record<string, TaskHandler>; taskTimeouts: Record<string, number> }> {
  const handlers = new Map<LocalFunction, LambdaHandler>();
  const tasks: Record<string, TaskHandler> = {};
  const taskTimeouts: Record<string, number> = {};
  for (const [stateName, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    if (isNestedExecution(state.Resource)) {
      tasks[stateName] = nestedExecutionHandler(String(state.Resource), nested.machines, nested.runChild);
      continue;
    }
    // A task-token Task names its function in Parameters (engine-gaps.ts runs it).
    const fn = byArn.get(
      isLambdaTaskToken(state)
        ? String((state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName)
        : String(state.Resource),
    );
    if (!fn) {
      throw new Error(
        `${workflow}: Task ${stateName} calls ${String(state.Resource)}, not a Lambda function of this stack; the local runner only runs Lambda tasks with payloadResponseOnly and nested executions of this stack's state machines`,
      );
    }
    if (!handlers.has(fn)) handlers.set(fn, await importHandler(fn));
    const handler = handlers.get(fn)!;
    tasks[stateName] = (input) => invokeLikeLambda(fn, handler, input);
    taskTimeouts[stateName] = fn.timeoutSeconds;
  }
  return { tasks, taskTimeouts };
}
