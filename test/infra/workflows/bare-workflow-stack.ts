import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, type IFunction, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Construct } from 'constructs';
import {
  type AslState,
  type AslStateMachine,
  allStates,
  stateMachineDefinition,
} from '../template-helpers.ts';

/**
 * A workflow built in a bare Stack with one inline Function per handler (the OpsStack wires the
 * real ones), its ASL, and a runner on the local engine whose Task handlers are keyed by state name.
 */
export function synthesizeBareWorkflow<Handler extends string>(
  workflowName: string,
  handlers: readonly Handler[],
  build: (scope: Construct, functions: Record<Handler, IFunction>) => void,
): { definition: AslStateMachine; states: Record<string, AslState> } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'BareWorkflowStack');
  const functions = Object.fromEntries(
    handlers.map((name) => [
      name,
      new LambdaFunction(stack, name, {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async (event) => event;'),
      }),
    ]),
  ) as unknown as Record<Handler, IFunction>;
  build(stack, functions);
  const definition = stateMachineDefinition(Template.fromStack(stack), workflowName);
  return { definition, states: allStates(definition) };
}

export type StateHandlers = Record<string, (input: never) => Promise<unknown> | unknown>;

/**
 * Runs the definition with `handlers` standing in for the Lambdas; a failure comes back as data.
 * `waitTimeOverrides` (seconds, by Wait state name) keeps polling loops from sleeping for real.
 */
export async function runLocally(
  definition: AslStateMachine,
  input: object,
  handlers: StateHandlers,
  waitTimeOverrides: Record<string, number> = {},
  /** Milliseconds per retry, by Task state name (`{ AcquireTargetLease: 0 }` retries at once). */
  retryIntervalOverrides: Record<string, number> = {},
) {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides, retryIntervalOverrides },
    // As the local runner (local/runner/compiled-workflow.ts) and Step Functions provide it.
    context: {
      Execution: {
        Id: 'execution-under-test',
        Name: 'execution-under-test',
        StartTime: new Date().toISOString(),
      },
      // What a task-token Task hands its function; the handler standing in answers at once.
      Task: { Token: 'task-token-under-test' },
    } as never,
  });
  return execution.result.then(
    (output) => ({ output: output as Record<string, unknown>, failure: undefined }),
    (error: Error) => {
      const cause = error.cause as Error;
      return { output: undefined, failure: { error: cause.name, cause: cause.message } };
    },
  );
}

export const VERB_NOUN_PASCAL_CASE = /^[A-Z][a-z]+(?:[A-Z0-9][a-z0-9]*)+$/;
