import '../compat/promise-with-resolvers.ts';
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { WORKFLOW_METADATA_KEY } from '../../infra/constructs/workflow.ts';
import { type AslDefinition, allStates, normalizeForLocalEngine } from './definition.ts';
import { bridgeEngineGaps } from './engine-gaps.ts';
import type { ExecutionResult, ExecutionStatus } from './execution-result.ts';
import type { PseudoParameters } from './intrinsics.ts';
import { resolveHandlerEnvironment } from './lambda-environment.ts';
import { describeLocalFunctions, type LocalFunction, resolveLocalDefinition } from './lambda-functions.ts';
import { importHandler, invokeLikeLambda, type LambdaHandler } from './lambda-invoke.ts';
import { type CfnTemplate, resourcesOfType, synthesizeOpsStack } from './template.ts';
import { describeCause, type EngineEvent, TimelineRecorder } from './timeline.ts';

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
}

export interface RunWorkflowOptions {
  /** Called for each engine event as it happens (progress display). */
  readonly onEvent?: (event: EngineEvent) => void;
}

export interface LocalWorkflows {
  readonly names: readonly string[];
  /** The variables every handler runs with (also set on process.env). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The definition from the template with its tokens resolved and the engine quirk normalized
   * (`deployed`), and what the engine executes (`executed`): the same but for the states that
   * local/runner/engine-gaps.ts bridges (`bridgedStates`).
   */
  describe(name: string): { deployed: AslDefinition; executed: AslDefinition; bridgedStates: string[] };
  runWorkflow(name: string, input: unknown, options?: RunWorkflowOptions): Promise<ExecutionResult>;
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
  const functions = describeLocalFunctions(template, pseudo);
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').flatMap(([logicalId, resource]) => {
    const name = resource.Metadata?.[WORKFLOW_METADATA_KEY];
    if (typeof name !== 'string') return [];
    const properties = resource.Properties ?? {};
    const context = `State machine ${logicalId} (${name})`;
    const resolved = resolveLocalDefinition(
      properties.DefinitionString,
      functions,
      pseudo,
      context,
    ) as AslDefinition;
    const stateMachineName =
      typeof properties.StateMachineName === 'string' ? properties.StateMachineName : logicalId;
    return [{ name, stateMachineName, definition: normalizeForLocalEngine(resolved) }];
  });
}

export async function loadWorkflows(options: LoadWorkflowsOptions): Promise<LocalWorkflows> {
  const region = options.localEnvironment.AWS_REGION;
  if (!region)
    throw new Error('loadWorkflows: localEnvironment.AWS_REGION is required (the region of the local ARNs)');
  const { stackName, template } = synthesizeOpsStack(options.environment ?? 'development');
  const pseudo = localPseudoParameters(region, stackName);
  const functions = describeLocalFunctions(template, pseudo);
  const byArn = new Map([...functions.values()].map((fn) => [fn.functionArn, fn]));

  const environment = resolveHandlerEnvironment(functions.values(), options.localEnvironment);
  // Before any handler module loads: some read their configuration at import time.
  Object.assign(process.env, environment);

  const workflows = new Map<string, LoadedWorkflow>();
  for (const workflow of resolveWorkflowDefinitions(template, pseudo)) {
    const bridged = bridgeEngineGaps(workflow.name, workflow.definition);
    const tasks = { ...(await bindTasks(workflow.name, workflow.definition, byArn)), ...bridged.localSteps };
    workflows.set(workflow.name, {
      ...workflow,
      executed: bridged.definition,
      originalTypes: bridged.originalTypes,
      tasks,
      // The engine writes defaults (QueryLanguage) into the object it is given: keep ours pristine.
      machine: new StateMachine(structuredClone(bridged.definition)),
    });
  }

  return {
    names: [...workflows.keys()],
    environment,
    describe: (name) => {
      const workflow = requireLoaded(workflows, name);
      return {
        deployed: structuredClone(workflow.definition),
        executed: structuredClone(workflow.executed),
        bridgedStates: Object.keys(workflow.originalTypes),
      };
    },
    runWorkflow: (name, input, runOptions) =>
      execute(requireLoaded(workflows, name), pseudo, input, runOptions),
  };
}

interface LoadedWorkflow extends WorkflowDefinition {
  readonly executed: AslDefinition;
  readonly originalTypes: Readonly<Record<string, string>>;
  readonly tasks: Record<string, (input: unknown) => Promise<unknown>>;
  readonly machine: StateMachine;
}

function requireLoaded(workflows: ReadonlyMap<string, LoadedWorkflow>, name: string): LoadedWorkflow {
  const workflow = workflows.get(name);
  if (!workflow) {
    throw new UnknownWorkflowError(
      `Unknown workflow "${name}": the stack defines ${[...workflows.keys()].join(', ') || 'none'}`,
    );
  }
  return workflow;
}

/** Maps every Task state (nested ones included) to its handler, keyed by state name as the engine expects. */
async function bindTasks(
  workflow: string,
  definition: AslDefinition,
  byArn: ReadonlyMap<string, LocalFunction>,
): Promise<LoadedWorkflow['tasks']> {
  const handlers = new Map<LocalFunction, LambdaHandler>();
  const tasks: LoadedWorkflow['tasks'] = {};
  for (const [stateName, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const fn = byArn.get(String(state.Resource));
    if (!fn) {
      throw new Error(
        `${workflow}: Task ${stateName} calls ${String(state.Resource)}, not a Lambda function of this stack; the local runner only runs Lambda tasks with payloadResponseOnly`,
      );
    }
    if (!handlers.has(fn)) handlers.set(fn, await importHandler(fn));
    const handler = handlers.get(fn)!;
    tasks[stateName] = (input) => invokeLikeLambda(fn, handler, input);
  }
  return tasks;
}

async function execute(
  workflow: LoadedWorkflow,
  pseudo: PseudoParameters,
  input: unknown,
  options: RunWorkflowOptions = {},
): Promise<ExecutionResult> {
  const started = Date.now();
  const executionName = randomUUID();
  const stateMachineArn = `arn:${pseudo.partition}:states:${pseudo.region}:${pseudo.accountId}:stateMachine:${workflow.stateMachineName}`;
  const execution = workflow.machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: workflow.tasks as never,
      ...instantWaitsAndRetries(workflow.executed),
    },
    context: {
      Execution: {
        Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`,
        Name: executionName,
        StartTime: new Date(started).toISOString(),
      },
      StateMachine: { Id: stateMachineArn, Name: workflow.stateMachineName },
    },
  });

  const recorder = new TimelineRecorder(workflow.originalTypes);
  let failure: { error: string; cause: string } | undefined;
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      recorder.record(event);
      if (event.type === 'ExecutionFailed')
        failure = { error: event.Error, cause: describeCause(event.Cause) };
      options.onEvent?.(event);
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
    workflow: workflow.name,
    status,
    ...(status === 'SUCCEEDED' ? { output } : {}),
    ...(failure ? { error: failure.error, cause: failure.cause } : {}),
    durationMs: Date.now() - started,
    timeline: recorder.timeline(),
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
