import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/record-backup-verdict.handler.ts';
import { verificationPlan } from './support/backup-handler-harness.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { auditHistory, OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment, rejectionOf } from './support/rejection.ts';

const matched = { status: 'MATCH' as const, detail: 'prefect: 6 tables restored', reasons: [] };

/** The RecordBackupVerdict input for a plan whose one shard checked `checked` objects. */
function verdictEvent(runId: string, { checked = 10, mismatches = 0, reasons = [] as string[] } = {}) {
  return {
    plan: verificationPlan({ runId }),
    samples: [{ shard: 0, checked, mismatches, bytesChecked: checked * 100, reasons }],
    postgres: matched,
    executionId: `verify-${runId}`,
  };
}

describe('record-backup-verdict handler', () => {
  const dynamo = useLocalDynamoDb();
  const { output } = useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
  }));
  const history = (runId: string) =>
    auditHistory(dynamo.client(), { workflow: 'verify-backup', target: `market-data@${runId}` });

  it('records a SUCCESSFUL verdict in the audit trail and as a metric of 1', async () => {
    const runId = '20260301T020000Z-5a5a5a50';

    const verdict = await handler(verdictEvent(runId), lambdaContext());

    expect(verdict).toMatchObject({ status: 'SUCCESSFUL', reasons: [], checked: 10, environment: 'test' });
    const [record, ...others] = await history(runId);
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      decision: 'SUCCESSFUL',
      actor: 'schedule',
      executionId: `verify-${runId}`,
    });
    expect(JSON.parse(record!.after!)).toMatchObject({ status: 'SUCCESSFUL', postgres: matched });
    expect(emittedMetrics(output().lines())).toContainEqual(
      expect.objectContaining({ VerifyBackupSucceeded: 1, sourceBucket: 'market-data', environment: 'test' }),
    );
  });

  it('records a FAILED verdict with the mismatching objects as its reasons, and a metric of 0', async () => {
    const runId = '20260301T020000Z-5a5a5a51';
    const reason = 'ticks/0007.json (backup copy data/...): SHA-256 differs from the manifest';

    const verdict = await handler(verdictEvent(runId, { mismatches: 1, reasons: [reason] }), lambdaContext());

    expect(verdict).toMatchObject({ status: 'FAILED', reasons: [reason], mismatches: 1 });
    expect(await history(runId)).toEqual([expect.objectContaining({ decision: 'FAILED' })]);
    expect(emittedMetrics(output().lines())).toContainEqual(
      expect.objectContaining({ VerifyBackupSucceeded: 0 }),
    );
  });

  it('fails a verdict whose shards checked fewer objects than the plan sampled', async () => {
    const verdict = await handler(verdictEvent('20260301T020000Z-5a5a5a52', { checked: 7 }), lambdaContext());

    expect(verdict).toMatchObject({ status: 'FAILED', reasons: ['checked 7 of the 10 sampled objects'] });
  });

  it('writes the verdict once when the step is retried within the same execution', async () => {
    const runId = '20260301T020000Z-5a5a5a53';

    await handler(verdictEvent(runId), lambdaContext());
    await handler(verdictEvent(runId), lambdaContext());

    expect(await history(runId)).toHaveLength(1);
  });

  it('refuses a PostgreSQL check with an unknown status, naming the field', async () => {
    const event = { ...verdictEvent('20260301T020000Z-5a5a5a54'), postgres: { ...matched, status: 'OK' } };

    await expectFailure(handler(event, lambdaContext()), 'InvalidInputError', 'postgres.status', '"OK"');
  });

  itRefusesEnvironment('OPS_TABLE_NAME', undefined, () =>
    handler(verdictEvent('20260301T020000Z-5a5a5a55'), lambdaContext()),
  );

  it('fails, and emits no verdict metric, when the audit table does not exist', async () => {
    vi.stubEnv('OPS_TABLE_NAME', 'no-such-table');

    await rejectionOf(handler(verdictEvent('20260301T020000Z-5a5a5a56'), lambdaContext()));

    expect(emittedMetrics(output().lines())).not.toContainEqual(
      expect.objectContaining({ VerifyBackupSucceeded: expect.any(Number) }),
    );
  });

  it('records the FAILED verdict of a failed shard, naming the step and the error, and a metric of 0', async () => {
    const runId = '20260301T020000Z-5a5a5a57';
    const message = 'manifests/market-data/x.jsonl changed since the verification was planned';
    const failure = {
      step: 'CheckBackupSample',
      plan: verificationPlan({ runId }),
      error: {
        Error: 'ManifestTamperedError',
        Cause: JSON.stringify({ errorType: 'ManifestTamperedError', errorMessage: message, trace: [] }),
      },
    };

    const verdict = await handler({ failure, executionId: `verify-${runId}` }, lambdaContext());

    const reason = `CheckBackupSample failed: ManifestTamperedError: ${message}`;
    expect(verdict).toMatchObject({ status: 'FAILED', runId, reasons: [reason], checked: 0 });
    const [record, ...others] = await history(runId);
    expect(others).toEqual([]);
    expect(record).toMatchObject({ decision: 'FAILED', actor: 'schedule', executionId: `verify-${runId}` });
    expect(JSON.parse(record!.after!)).toMatchObject({ reasons: [reason], manifest: { status: 'TAMPERED' } });
    expect(emittedMetrics(output().lines())).toContainEqual(
      expect.objectContaining({ VerifyBackupSucceeded: 0, sourceBucket: 'market-data' }),
    );
  });

  it('records a failed plan under the requested run, or the unresolved one when none was requested', async () => {
    const requestedRun = '20260301T020000Z-5a5a5a58';
    const planFailure = (request: object) => ({
      failure: {
        step: 'LoadVerificationPlan',
        request,
        error: { Error: 'States.Timeout', Cause: 'Task timed out' },
      },
      executionId: `verify-${JSON.stringify(request)}`,
    });

    await handler(planFailure({ sourceBucket: 'market-data', runId: requestedRun }), lambdaContext());
    await handler(planFailure({ sourceBucket: 'market-data' }), lambdaContext());

    const reason = 'LoadVerificationPlan failed: States.Timeout: Task timed out';
    expect(await history(requestedRun)).toEqual([
      expect.objectContaining({ decision: 'FAILED', actor: 'console' }),
    ]);
    const [unresolved] = await history('unresolved');
    expect(JSON.parse(unresolved!.after!)).toMatchObject({
      runId: 'unresolved',
      reasons: [reason],
      manifest: { status: 'UNCHECKED' },
    });
  });

  it('refuses a failed plan whose request is not a valid verify-backup request, naming the field', async () => {
    const event = {
      failure: {
        step: 'LoadVerificationPlan',
        request: { sourceBucket: 'Not A Bucket' },
        error: { Error: 'States.Timeout' },
      },
    };

    await expectFailure(handler(event, lambdaContext()), 'InvalidInputError', 'sourceBucket');
  });

  it('refuses an event with neither a failure nor the whole comparison, naming what is missing', async () => {
    const { plan, executionId } = verdictEvent('20260301T020000Z-5a5a5a59');

    await expectFailure(
      handler({ plan, executionId }, lambdaContext()),
      'InvalidInputError',
      'samples, postgres',
    );
  });
});
