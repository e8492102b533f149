import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  findStateMachineArn,
  runInAws,
  StateMachineNotFoundError,
} from '../../../../local/cli/aws/run-in-aws.ts';
import { entered, exited, historyEvent, succeededHistory } from './history-events.ts';

const sfnMock = mockClient(SFNClient);
const ARN =
  'arn:aws:states:eu-central-1:123456789012:stateMachine:lakehouse-ops-production-validate-platform';
const EXECUTION_ARN =
  'arn:aws:states:eu-central-1:123456789012:execution:lakehouse-ops-production-validate-platform:cli-1';

/** A validate-platform history: a retried check, a caught probe failure, then the Fail state. */
function history(): HistoryEvent[] {
  const event = historyEvent;
  const lambdaFailed = (error: string) => ({
    lambdaFunctionFailedEventDetails: { error, cause: `{"errorType":"${error}"}` },
  });
  return [
    event(1, 0, 'ExecutionStarted'),
    event(2, 1, 'TaskStateEntered', entered('ValidateWorkflowInput')),
    event(3, 2, 'LambdaFunctionScheduled'),
    event(4, 3, 'LambdaFunctionSucceeded'),
    event(5, 4, 'TaskStateExited', exited('ValidateWorkflowInput')),
    event(6, 5, 'ParallelStateEntered', entered('RunPlatformChecks')),
    event(7, 6, 'ParallelStateStarted'),
    event(8, 7, 'TaskStateEntered', entered('CheckNodes')),
    event(9, 7, 'TaskStateEntered', entered('CheckMinioS3Probe')),
    event(10, 8, 'LambdaFunctionScheduled'),
    event(11, 9, 'LambdaFunctionScheduled'),
    event(12, 10, 'LambdaFunctionFailed', lambdaFailed('TransientError')),
    event(13, 12, 'LambdaFunctionScheduled'),
    event(14, 13, 'LambdaFunctionSucceeded'),
    event(15, 14, 'TaskStateExited', exited('CheckNodes')),
    event(16, 11, 'LambdaFunctionFailed', lambdaFailed('ObjectStoreError')),
    event(17, 16, 'PassStateEntered', entered('RecordMinioS3ProbeError')),
    event(18, 17, 'PassStateExited', exited('RecordMinioS3ProbeError')),
    event(19, 18, 'ParallelStateSucceeded'),
    event(20, 19, 'ParallelStateExited', exited('RunPlatformChecks')),
    event(21, 20, 'FailStateEntered', entered('ReportPlatformUnhealthy')),
    event(22, 21, 'ExecutionFailed', {
      executionFailedEventDetails: { error: 'PlatformUnhealthy', cause: '{"status":"UNHEALTHY"}' },
    }),
  ];
}

describe('runInAws', () => {
  beforeEach(() => {
    sfnMock.reset();
    sfnMock
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [
          { name: 'other', stateMachineArn: 'arn:other', type: 'STANDARD', creationDate: new Date() },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        stateMachines: [
          {
            name: 'lakehouse-ops-production-validate-platform',
            stateMachineArn: ARN,
            type: 'STANDARD',
            creationDate: new Date(),
          },
        ],
      });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
  });

  it('starts the environment state machine found by name and follows its history until it ends', async () => {
    const events = history();
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: events.slice(0, 9) })
      .resolves({ events });
    const sleeps: number[] = [];

    const result = await runInAws({
      sfn: new SFNClient({ region: 'eu-central-1' }),
      environment: 'production',
      workflow: 'validate-platform',
      input: { notify: false },
      pollIntervalMs: 1500,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: ARN,
      input: '{"notify":false}',
    });
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      executionArn: EXECUTION_ARN,
      includeExecutionData: true,
    });
    expect(sleeps).toEqual([1500]);
    expect(result).toMatchObject({
      workflow: 'validate-platform',
      status: 'FAILED',
      error: 'PlatformUnhealthy',
      cause: '{"status":"UNHEALTHY"}',
      durationMs: 21_000,
    });
    expect(
      result.timeline.map(({ state, type, status, retries }) => ({ state, type, status, retries })),
    ).toEqual([
      { state: 'ValidateWorkflowInput', type: 'Task', status: 'SUCCEEDED', retries: 0 },
      { state: 'RunPlatformChecks', type: 'Parallel', status: 'SUCCEEDED', retries: 0 },
      { state: 'CheckNodes', type: 'Task', status: 'SUCCEEDED', retries: 1 },
      { state: 'CheckMinioS3Probe', type: 'Task', status: 'CAUGHT', retries: 0 },
      { state: 'RecordMinioS3ProbeError', type: 'Pass', status: 'SUCCEEDED', retries: 0 },
      { state: 'ReportPlatformUnhealthy', type: 'Fail', status: 'FAILED', retries: 0 },
    ]);
    expect(result.timeline.find((entry) => entry.state === 'CheckMinioS3Probe')?.error).toEqual({
      error: 'ObjectStoreError',
      cause: '{"errorType":"ObjectStoreError"}',
    });
  });

  it('returns the output of a succeeded execution', async () => {
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: succeededHistory({ status: 'HEALTHY' }) });
    const result = await runInAws({
      sfn: new SFNClient({ region: 'eu-central-1' }),
      environment: 'production',
      workflow: 'validate-platform',
      input: {},
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { status: 'HEALTHY' } });
    expect(result.timeline).toMatchObject([
      { state: 'ReportPlatformHealthy', status: 'SUCCEEDED', durationMs: 1000 },
    ]);
  });
});

describe('findStateMachineArn', () => {
  it('says which state machine is missing and in which region', async () => {
    sfnMock.reset();
    sfnMock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const call = findStateMachineArn(
      new SFNClient({ region: 'eu-west-1' }),
      'lakehouse-ops-staging-validate-platform',
    );
    await expect(call).rejects.toBeInstanceOf(StateMachineNotFoundError);
    await expect(call).rejects.toThrow(/lakehouse-ops-staging-validate-platform not found in eu-west-1/);
  });
});
