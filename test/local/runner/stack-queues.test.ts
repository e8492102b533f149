import { describe, expect, it } from 'vitest';
import { localFunctionArn } from '../../../local/runner/lambda-functions.ts';
import {
  describeLocalEventSourceMappings,
  describeLocalSchedules,
  UnsupportedTriggerError,
} from '../../../local/runner/lambda-triggers.ts';
import { describeLocalQueues, LocalQueueError } from '../../../local/runner/stack-queues.ts';
import type { CfnTemplate } from '../../../local/runner/template.ts';

const pseudo = { region: 'eu-central-1', accountId: '000000000000', partition: 'aws', stackName: 'ops' };
const SQS = 'http://127.0.0.1:4566';

const template: CfnTemplate = {
  Resources: {
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'ops-replication',
        VisibilityTimeout: 1800,
        MessageRetentionPeriod: 345600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 5 },
      },
    },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'ops-replication-dlq' } },
    Fn: { Type: 'AWS::Lambda::Function', Metadata: { 'lakehouse-ops:handler': 'functions/x.handler.ts' } },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        BatchSize: 10,
      },
    },
    Lag: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'ops-lag',
        ScheduleExpression: 'rate(1 minute)',
        Target: { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Input: '{}' },
      },
    },
  },
};

const fn = {
  logicalId: 'Fn',
  handlerModule: 'functions/x.handler.ts',
  functionName: 'Fn',
  functionArn: localFunctionArn(pseudo, 'Fn'),
  timeoutSeconds: 3,
  memorySizeMb: 128,
  environment: {},
};

describe('describeLocalQueues', () => {
  it("gives each queue its aws-sim URL and ARN, and resolves the redrive target to the dead-letter queue's ARN", () => {
    const queues = describeLocalQueues(template, pseudo, `${SQS}/`);
    expect(queues.get('Queue')).toEqual({
      logicalId: 'Queue',
      queueName: 'ops-replication',
      queueUrl: `${SQS}/000000000000/ops-replication`,
      queueArn: 'arn:aws:sqs:eu-central-1:000000000000:ops-replication',
      attributes: {
        VisibilityTimeout: '1800',
        MessageRetentionPeriod: '345600',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:eu-central-1:000000000000:ops-replication-dlq',
          maxReceiveCount: 5,
        }),
      },
      deadLetterQueue: 'Dlq',
    });
  });

  it('refuses a template with queues when the local environment names no SQS endpoint', () => {
    expect(() => describeLocalQueues(template, pseudo, undefined)).toThrow(/AWS_ENDPOINT_URL_SQS/);
  });

  it('refuses a queue without a literal QueueName, naming it', () => {
    const unnamed: CfnTemplate = { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: {} } } };
    expect(() => describeLocalQueues(unnamed, pseudo, SQS)).toThrow(LocalQueueError);
    expect(() => describeLocalQueues(unnamed, pseudo, SQS)).toThrow(/Queue Q has no literal QueueName/);
  });
});

describe('lambda triggers', () => {
  const queues = describeLocalQueues(template, pseudo, SQS);
  const resources = { functions: new Map([['Fn', fn]]), queues, stateMachines: new Map() };

  it('maps an event-source mapping to its function and queue', () => {
    const [mapping] = describeLocalEventSourceMappings(template, resources);
    expect(mapping?.function.logicalId).toBe('Fn');
    expect(mapping?.queue.queueName).toBe('ops-replication');
    expect(mapping?.properties.BatchSize).toBe(10);
  });

  it('refuses a mapping whose source is not a queue of the stack', () => {
    const stream: CfnTemplate = {
      Resources: {
        M: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: 'arn:aws:kinesis:::stream/s' },
        },
      },
    };
    expect(() => describeLocalEventSourceMappings(stream, resources)).toThrow(UnsupportedTriggerError);
  });

  it('describes a schedule whose target is a Lambda function, with its input', () => {
    expect(describeLocalSchedules(template, resources)).toEqual([
      {
        logicalId: 'Lag',
        scheduleName: 'ops-lag',
        expression: 'rate(1 minute)',
        target: { kind: 'function', function: fn },
        input: {},
      },
    ]);
  });
});
