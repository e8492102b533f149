import { App, Duration, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  DefinitionBody,
  type IChainable,
  StateMachine,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  type RenderedDefinition,
  renderedDefinition,
} from '../../../infra/constructs/rendered-definition.ts';

/** A state machine built from hand-made states in a bare Stack, as its DefinitionString renders it. */
export function renderMachine(build: (scope: Construct) => IChainable): RenderedDefinition {
  const stack = new Stack(new App(), 'WorstCaseUnderTest');
  const machine = new StateMachine(stack, 'Machine', {
    definitionBody: DefinitionBody.fromChainable(build(stack)),
  });
  return renderedDefinition(machine);
}

/** A Lambda task that takes at most `seconds` per attempt (none: no TimeoutSeconds), never retried by default. */
export function task(
  scope: Construct,
  id: string,
  seconds?: number,
  props: Partial<LambdaInvokeProps> = {},
): LambdaInvoke {
  const fn = new LambdaFunction(scope, `${id}Function`, {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async (event) => event;'),
  });
  return new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: seconds === undefined ? undefined : Timeout.duration(Duration.seconds(seconds)),
    ...props,
  });
}

export function wait(scope: Construct, id: string, seconds: number): Wait {
  return new Wait(scope, id, { time: WaitTime.duration(Duration.seconds(seconds)) });
}
