import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/build-failover-report.handler.ts';
import { handler as recordStep } from '../../functions/record-failover-step.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { auditHistory, OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure } from './support/rejection.ts';

describe('build-failover-report handler', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    DR_RPO_SECONDS: '60',
    DR_RTO_MINUTES: '30',
  }));
  const call = (
    fn: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>,
    event: Record<string, unknown>,
  ) =>
    // biome-ignore lint/suspicious/noExplicitAny: the answers are read field by field.
    fn(event, lambdaContext()) as Promise<any>;

  it('reports from the journal against the configured targets and writes the audit record once', async () => {
    const { failoverId } = await call(recordStep, {
      action: 'open',
      owner: 'execution-a',
      request: { mode: 'drill', reason: 'monthly drill', requestedBy: 'schedule' },
    });
    await call(recordStep, { action: 'start', failoverId, step: 'check-gates', owner: 'execution-a' });
    await call(recordStep, {
      action: 'finish',
      failoverId,
      step: 'check-gates',
      owner: 'execution-a',
      outcome: 'SUCCEEDED',
      output: {},
    });
    const event = {
      failoverId,
      outcome: 'FAILED',
      executionId: 'execution-a',
      steps: {
        drain: {
          status: 'drained',
          rpo: {
            seconds: 90,
            basis: 'replication lag when the buckets were fenced',
            measuredAt: '2026-03-02T06:03:00.000Z',
          },
        },
      },
      failure: { Error: 'KubernetesApiError', Cause: 'forbidden' },
    };

    const report = await call(handler, event);
    await call(handler, event);

    expect(report).toMatchObject({
      failoverId,
      environment: 'test',
      outcome: 'FAILED',
      rpo: { seconds: 90, targetSeconds: 60, verdict: 'MISSED' },
      rto: { verdict: 'NOT_MEASURED', targetSeconds: 1800 },
      notify: true,
    });
    expect(report.stepTimings[0]).toMatchObject({ step: 'check-gates', status: 'SUCCEEDED' });
    const history = await auditHistory(dynamo.client(), {
      workflow: 'dr-failover',
      target: `test/${failoverId}`,
    });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      action: 'report-failed',
      decision: 'FAILED: RTO NOT_MEASURED, RPO MISSED',
      actor: 'schedule',
    });
  });

  it('refuses a failover the journal does not know', async () => {
    await expectFailure(
      call(handler, { failoverId: '20260302T060000Z-000000', outcome: 'COMPLETED' }),
      'FailoverNotFoundError',
    );
  });
});
