import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition, AslState } from '../definition.ts';
import type { LocalStep, LocalStepRun } from '../local-step.ts';
import { type ContextObject, evaluatePayloadTemplate, queryPath } from '../payload-template.ts';
import { describeCause } from '../timeline.ts';
import {
  exceedsThreshold,
  resolveFailureThreshold,
  type ThresholdFields,
  thresholdExceededError,
} from './failure-threshold.ts';
import { type ItemReaderSpec, type ItemSource, itemReaderProblems, readItems } from './item-reader.ts';
import { StatesError } from './states-error.ts';

/**
 * A Distributed Map (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED) run by the runner, since
 * aws-local-stepfunctions only knows inline Maps: the items come from the ItemReader (S3) or from
 * ItemsPath; each item, after ItemSelector, starts a child execution of the ItemProcessor (one
 * engine StateMachine built when the workflow loads) with at most MaxConcurrency running at once;
 * the output is the children's outputs in item order, and failures are weighed against the
 * tolerated failure threshold (failure-threshold.ts). Children share the parent's task handlers
 * and their states appear in the parent's timeline, tagged with the item index.
 *
 * EXPRESS and STANDARD children run alike locally. Not bridged (refused when the workflow loads):
 * ResultWriter, ItemBatcher, and readers other than getObject JSON/JSONL and listObjectsV2.
 */

/** Map fields the engine's Task has no use for: the local step reads them instead. */
const MAP_ONLY_FIELDS = [
  'ItemReader',
  'ItemProcessor',
  'Iterator',
  'ItemSelector',
  'Parameters',
  'ItemsPath',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'Label',
  'ItemBatcher',
  'ResultWriter',
] as const;

/**
 * A Task runs at most 60 s in the engine unless told otherwise, but a Map has no timeout of its own:
 * the longest setTimeout Node.js honours (24.8 days) stands in for "none".
 */
const NO_TIMEOUT_SECONDS = 2_147_483;
/** A Map matches States.TaskFailed only when it is a Task, which this one only pretends to be. */
const TASK_ONLY_ERROR = 'States.TaskFailed';

export function isDistributedMap(state: AslState): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return (
    state.Type === 'Map' && (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED' || 'ItemReader' in state)
  );
}

export function distributedMapProblems(name: string, state: AslState): string[] {
  const problems: string[] = [];
  if ('ResultWriter' in state)
    problems.push(`${name}: Distributed Map ResultWriter (return the results in the state output instead)`);
  if ('ItemBatcher' in state) problems.push(`${name}: Distributed Map ItemBatcher`);
  if ('ItemReader' in state) {
    problems.push(
      ...itemReaderProblems(state.ItemReader as ItemReaderSpec).map((problem) => `${name}: ${problem}`),
    );
    if ('ItemsPath' in state) problems.push(`${name}: ItemsPath together with ItemReader`);
  }
  return problems;
}

export interface BridgedDistributedMap {
  /** What the engine runs in the Map's place: a Task with the Map's I/O paths, Retry and Catch. */
  readonly task: AslState;
  readonly step: LocalStep;
}

/** `processor`: the ItemProcessor definition with its own engine gaps already bridged. */
export function bridgeDistributedMap(
  name: string,
  state: AslState,
  processor: AslDefinition,
  source: ItemSource,
): BridgedDistributedMap {
  const machine = new StateMachine(processor);
  const task: AslState = {
    ...state,
    Type: 'Task',
    Resource: LOCAL_MAP_RESOURCE,
    TimeoutSeconds: NO_TIMEOUT_SECONDS,
  };
  for (const field of MAP_ONLY_FIELDS) delete task[field];
  for (const field of ['Retry', 'Catch'] as const) {
    const rules = withoutTaskOnlyErrors(state[field]);
    if (rules) task[field] = rules;
    else delete task[field];
  }
  const label = typeof state.Label === 'string' ? state.Label : name;
  const step: LocalStep = (input, run) => runMap({ name, label, state, machine, source }, input, run);
  return { task, step };
}

/** Resource of the Task standing in for a Distributed Map: an ARN no deployed definition holds. */
export const LOCAL_MAP_RESOURCE =
  'arn:aws:lambda:us-east-1:000000000000:function:lakehouse-ops-local-distributed-map';

function withoutTaskOnlyErrors(rules: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(rules)) return undefined;
  const kept = (rules as { ErrorEquals: string[] }[])
    .map((rule) => ({ ...rule, ErrorEquals: rule.ErrorEquals.filter((error) => error !== TASK_ONLY_ERROR) }))
    .filter((rule) => rule.ErrorEquals.length > 0);
  return kept.length > 0 ? kept : undefined;
}

interface MapRun {
  readonly name: string;
  readonly label: string;
  readonly state: AslState;
  readonly machine: StateMachine;
  readonly source: ItemSource;
}

type ChildOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly record: Record<string, unknown> };

async function runMap(map: MapRun, input: unknown, run: LocalStepRun): Promise<unknown[]> {
  const { name, state } = map;
  const context: ContextObject = {
    ...run.context,
    State: { Name: name, EnteredTime: new Date().toISOString() },
  };
  const items = state.ItemReader
    ? await readItems(map.source, state.ItemReader as ItemReaderSpec, input, context, name)
    : itemsAt(state.ItemsPath, input, context, name);
  const threshold = resolveFailureThreshold(state as ThresholdFields, input, context, name);
  const concurrency = maxConcurrencyOf(state, input, context, name) || items.length;
  const selector = state.ItemSelector ?? state.Parameters;
  const scope = randomUUID();

  const outcomes: ChildOutcome[] = new Array(items.length);
  let failed = 0;
  let next = 0;
  const worker = async () => {
    // Once the threshold is exceeded the Map Run is failing: start no more children.
    while (next < items.length && !exceedsThreshold(threshold, failed, items.length)) {
      const index = next++;
      const itemContext = { ...context, Map: { Item: { Index: index, Value: items[index] } } };
      const childInput =
        selector === undefined
          ? items[index]
          : evaluatePayloadTemplate(selector, input, `${name}.ItemSelector`, itemContext);
      const outcome = await runChild(map, childInput, index, scope, run);
      outcomes[index] = outcome;
      if (outcome.status === 'FAILED') failed += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));

  if (exceedsThreshold(threshold, failed, items.length))
    throw thresholdExceededError(threshold, failed, items.length);
  return outcomes.map((outcome) => (outcome.status === 'SUCCEEDED' ? outcome.output : outcome.record));
}

function itemsAt(itemsPath: unknown, input: unknown, context: ContextObject, name: string): unknown[] {
  const items = queryPath(
    typeof itemsPath === 'string' ? itemsPath : '$',
    input,
    `${name}.ItemsPath`,
    context,
  );
  if (!Array.isArray(items)) {
    throw new StatesError(
      'States.Runtime',
      `${name}: ItemsPath must select an array, got ${JSON.stringify(items)}`,
    );
  }
  return items;
}

function maxConcurrencyOf(state: AslState, input: unknown, context: ContextObject, name: string): number {
  const value =
    typeof state.MaxConcurrencyPath === 'string'
      ? queryPath(state.MaxConcurrencyPath, input, `${name}.MaxConcurrencyPath`, context)
      : (state.MaxConcurrency ?? 0);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StatesError(
      'States.Runtime',
      `${name}: MaxConcurrency must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** One child execution; its state events go to the parent's timeline under the item's index. */
async function runChild(
  map: MapRun,
  input: unknown,
  index: number,
  scope: string,
  run: LocalStepRun,
): Promise<ChildOutcome> {
  const parent = run.context as { StateMachine?: { Id?: string; Name?: string } };
  const childName = randomUUID();
  const stateMachineArn = `${parent.StateMachine?.Id ?? 'arn:aws:states:::stateMachine:local'}/${map.label}`;
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${childName}`;
  const startDate = new Date();
  const execution = map.machine.run(input as never, {
    overrides: run.overrides,
    context: {
      Execution: { Id: executionArn, Name: childName, StartTime: startDate.toISOString() },
      StateMachine: { Id: stateMachineArn, Name: `${parent.StateMachine?.Name ?? 'local'}/${map.label}` },
    },
  });
  let failure = { error: 'States.Runtime', cause: 'the child execution failed' };
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'ExecutionFailed')
        failure = { error: event.Error, cause: describeCause(event.Cause) };
      if ('state' in event) run.emit({ ...event, index: event.index ?? index, scope });
    }
  })();
  try {
    const output = await execution.result;
    await events;
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    await events;
    if (error instanceof ExecutionTimeoutError)
      failure = { error: 'States.Timeout', cause: 'The child execution timed out' };
    else if (!(error instanceof ExecutionError)) throw error;
    // A failed child appears in the Map's output untransformed, as Step Functions documents it.
    return {
      status: 'FAILED',
      record: {
        Cause: failure.cause,
        Error: failure.error,
        ExecutionArn: executionArn,
        Input: JSON.stringify(input),
        InputDetails: { Included: true },
        Name: childName,
        StartDate: startDate.toISOString(),
        StateMachineArn: stateMachineArn,
        Status: 'FAILED',
        StopDate: new Date().toISOString(),
      },
    };
  }
}
