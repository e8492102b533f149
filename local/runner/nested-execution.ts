import { randomUUID } from 'node:crypto';
import { WORKFLOW_METADATA_KEY } from '../../infra/constructs/workflow.ts';
import type { ExecutionResult } from './execution-result.ts';
import type { PseudoParameters } from './intrinsics.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * Nested executions: a Task whose Resource is `arn:<partition>:states:::states:startExecution.sync`
 * (or `.sync:2`) starts another state machine of the stack and waits for it. aws-local-stepfunctions
 * has no such integration, so the runner binds the Task to a handler that runs the child workflow
 * with the same runner and answers as Step Functions does: on success the DescribeExecution
 * fields, Output parsed for `.sync:2` (a string for `.sync`); on failure the error
 * States.TaskFailed with those fields, the child's Error and Cause included, as its cause.
 */
export interface LocalStateMachine {
  readonly logicalId: string;
  /** The workflow name of its `lakehouse-ops:workflow` metadata. */
  readonly workflow: string;
  readonly stateMachineArn: string;
}

const NESTED_EXECUTION = /^arn:[a-z-]+:states:::states:startExecution\.sync(:2)?$/;

export function isNestedExecution(resource: unknown): boolean {
  return typeof resource === 'string' && NESTED_EXECUTION.test(resource);
}

export function localStateMachineArn(pseudo: PseudoParameters, name: string): string {
  return `arn:${pseudo.partition}:states:${pseudo.region}:${pseudo.accountId}:stateMachine:${name}`;
}

/** The template's workflows by logical id; `Ref` of a state machine resolves to its ARN. */
export function describeLocalStateMachines(
  template: CfnTemplate,
  pseudo: PseudoParameters,
): Map<string, LocalStateMachine> {
  const machines = new Map<string, LocalStateMachine>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const workflow = resource.Metadata?.[WORKFLOW_METADATA_KEY];
    if (typeof workflow !== 'string') continue;
    const name = resource.Properties?.StateMachineName;
    const stateMachineArn = localStateMachineArn(pseudo, typeof name === 'string' ? name : logicalId);
    machines.set(logicalId, { logicalId, workflow, stateMachineArn });
  }
  return machines;
}

/** Thrown to the engine: Catch and Retry see Error `States.TaskFailed`, Cause the execution JSON. */
class NestedExecutionFailed extends Error {
  constructor(cause: string) {
    super(cause);
    this.name = 'States.TaskFailed';
  }
}

export type RunChild = (workflow: string, input: unknown) => Promise<ExecutionResult>;

/** The handler of one nested-execution Task: `{ StateMachineArn, Input, Name? }` in, the child's result out. */
export function nestedExecutionHandler(
  resource: string,
  machines: ReadonlyMap<string, LocalStateMachine>,
  runChild: RunChild,
): (input: unknown) => Promise<unknown> {
  const parseOutput = resource.endsWith(':2');
  return async (input) => {
    const { StateMachineArn: arn, Input: childInput, Name: name } = (input ?? {}) as Record<string, unknown>;
    const machine = [...machines.values()].find((candidate) => candidate.stateMachineArn === arn);
    if (!machine) {
      throw new Error(`startExecution of ${String(arn)}: not a state machine of this stack`);
    }
    const executionName = typeof name === 'string' ? name : randomUUID();
    const executionArn = `${machine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const startDate = Date.now();
    const parsedInput = typeof childInput === 'string' ? JSON.parse(childInput) : (childInput ?? {});
    const result = await runChild(machine.workflow, parsedInput);
    const described = {
      ExecutionArn: executionArn,
      StateMachineArn: machine.stateMachineArn,
      Name: executionName,
      Input: JSON.stringify(parsedInput),
      StartDate: startDate,
      StopDate: startDate + result.durationMs,
      Status: result.status,
    };
    if (result.status !== 'SUCCEEDED') {
      throw new NestedExecutionFailed(
        JSON.stringify({ ...described, Error: result.error, Cause: result.cause }),
      );
    }
    return { ...described, Output: parseOutput ? result.output : JSON.stringify(result.output) };
  };
}
