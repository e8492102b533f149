import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { JsonPath, Succeed, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '../../../functions/commons/errors.ts';
import {
  invokeOpsFunction,
  LAMBDA_SERVICE_ERRORS,
  stateMachineName,
  Workflow,
} from '../../../infra/constructs/workflow.ts';
import { resourcesOfType, stateMachineDefinition } from '../template-helpers.ts';

function inlineFunction(stack: Stack, id: string) {
  return new LambdaFunction(stack, id, {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async (event) => event;'),
  });
}

function sampleWorkflow() {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'WorkflowUnderTest');
  const first = inlineFunction(stack, 'First');
  const second = inlineFunction(stack, 'Second');
  const workflow = new Workflow(stack, 'Sample', {
    workflowName: 'sample-flow',
    environmentName: 'development',
    timeout: Duration.minutes(3),
    logRetention: RetentionDays.ONE_WEEK,
    definition: (scope) =>
      invokeOpsFunction(scope, 'ReadInput', first, { inputPath: '$.request', resultPath: '$.read' })
        .next(
          invokeOpsFunction(scope, 'WriteOutput', second, {
            payload: TaskInput.fromObject({ read: JsonPath.objectAt('$.read') }),
          }),
        )
        .next(new Succeed(scope, 'ReportDone')),
  });
  return { app, stack, workflow };
}

describe('Workflow', () => {
  let built: ReturnType<typeof sampleWorkflow>;
  let template: Template;

  beforeAll(() => {
    built = sampleWorkflow();
    template = Template.fromStack(built.stack);
  });

  it('names the state machine lakehouse-ops-<env>-<workflow> and marks it with the workflow name', () => {
    const [machine] = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'));
    expect(machine?.Properties.StateMachineName).toBe('lakehouse-ops-development-sample-flow');
    expect(machine?.Properties.StateMachineType).toBe('STANDARD');
    expect(machine?.Metadata).toMatchObject({ 'lakehouse-ops:workflow': 'sample-flow' });
    expect(stateMachineName('production', 'backup')).toBe('lakehouse-ops-production-backup');
  });

  it('logs at level ALL with execution data, traces, and times out explicitly', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/lakehouse-ops-development-sample-flow',
      RetentionInDays: 7,
    });
    expect(stateMachineDefinition(template).TimeoutSeconds).toBe(180);
  });

  it('invokes functions by ARN with the transient and Lambda service errors retried', () => {
    const { States } = stateMachineDefinition(template);
    const read = States.ReadInput!;
    expect(read.Resource).toMatch(/^First[0-9A-F]+\.Arn$/);
    expect(read.InputPath).toBe('$.request');
    expect(read.ResultPath).toBe('$.read');
    expect(read.Parameters).toBeUndefined();
    expect(read.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: [...RETRYABLE_ERROR_NAMES], JitterStrategy: 'FULL' }),
      expect.objectContaining({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], BackoffRate: 2 }),
    ]);
    expect(States.WriteOutput?.Parameters).toEqual({ 'read.$': '$.read' });
  });

  it('leaves no cdk-nag finding on its own resources', () => {
    const report = new AwsSolutionsChecks().validateScope(built.app);
    const ownFindings = report.violations.filter((violation) =>
      violation.violatingResources.some((resource) => resource.constructPath?.includes('/Sample/')),
    );
    expect(ownFindings).toEqual([]);
  });

  it('refuses a workflow name that is not kebab-case', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }));
    expect(
      () =>
        new Workflow(stack, 'Bad', {
          workflowName: 'ValidatePlatform',
          environmentName: 'development',
          timeout: Duration.minutes(1),
          logRetention: RetentionDays.ONE_WEEK,
          definition: (scope) => new Succeed(scope, 'ReportDone'),
        }),
    ).toThrow('Workflow name "ValidatePlatform": expected kebab-case such as "validate-platform"');
  });
});

describe('invokeOpsFunction', () => {
  it('refuses a payload that is not an object', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }));
    const fn = inlineFunction(stack, 'Fn');
    expect(() =>
      invokeOpsFunction(stack, 'ReadInput', fn, { payload: TaskInput.fromJsonPathAt('$.request') }),
    ).toThrow('Task ReadInput: payload must be TaskInput.fromObject(...); use inputPath to pass a path');
  });

  it('refuses inputPath and payload together', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }));
    const fn = inlineFunction(stack, 'Fn');
    expect(() =>
      invokeOpsFunction(stack, 'ReadInput', fn, {
        inputPath: '$.a',
        payload: TaskInput.fromObject({ a: 1 }),
      }),
    ).toThrow('Task ReadInput: give either inputPath or payload, not both');
  });
});
