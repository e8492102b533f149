import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/record-restore-audit.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { auditHistory, OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const plan = {
  sourceBucket: 'market-data',
  runId: '20260301T020000Z-7e7e7e7e',
  prefix: 'trades/',
  targetBucket: 'market-data-restored',
  requestedBy: 'alice',
  objects: 13,
  dryRun: false,
};

describe('record-restore-audit handler', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => ({ OPS_TABLE_NAME: OPS_TABLE, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url() }));
  const history = (target: string) => auditHistory(dynamo.client(), { workflow: 'restore', target });

  it('records the decision with the plan as before and the outcome as after, by the requester', async () => {
    const outcome = { written: 13, verified: 13, failed: 0 };

    const written = await handler(
      { plan, decision: 'RESTORED', outcome, executionId: 'restore-execution-1' },
      lambdaContext(),
    );

    expect(written).toMatchObject({ pk: 'AUDIT#restore#market-data-restored/trades/' });
    const [record, ...others] = await history('market-data-restored/trades/');
    expect(others).toEqual([]);
    expect(record).toMatchObject({ decision: 'RESTORED', actor: 'alice', action: 'restore-objects' });
    expect(JSON.parse(record!.before!)).toEqual(plan);
    expect(JSON.parse(record!.after!)).toEqual(outcome);
  });

  it('records a restore of the PostgreSQL dump only under the database, not the bucket', async () => {
    const onlyDump = { ...plan, restoreObjects: false, postgres: { targetDatabase: 'prefect_restored' } };

    await handler({ plan: onlyDump, decision: 'DRY_RUN', executionId: 'restore-dump-only' }, lambdaContext());

    const [record] = await history('postgres/prefect_restored');
    expect(record).toMatchObject({ decision: 'DRY_RUN', action: 'restore-postgres-dump' });
  });

  it('records a refused restore without an outcome', async () => {
    const refused = { ...plan, prefix: 'quotes/' };

    await handler({ plan: refused, decision: 'REFUSED' }, lambdaContext());

    const [record] = await history('market-data-restored/quotes/');
    expect(record).toMatchObject({ decision: 'REFUSED' });
    expect(record).not.toHaveProperty('after');
  });

  it('refuses to record another outcome for a step of the same execution that was recorded already', async () => {
    const event = {
      plan: { ...plan, prefix: 'candles/' },
      decision: 'RESTORED',
      executionId: 'restore-execution-2',
    };
    await handler(event, lambdaContext());

    await expectFailure(
      handler({ ...event, decision: 'FAILED' }, lambdaContext()),
      'AuditRecordConflictError',
    );

    expect(await history('market-data-restored/candles/')).toEqual([
      expect.objectContaining({ decision: 'RESTORED' }),
    ]);
  });

  it('refuses a decision it does not know, naming the field', async () => {
    await expectFailure(
      handler({ plan, decision: 'DONE' }, lambdaContext()),
      'InvalidInputError',
      'decision',
      '"DONE"',
    );
  });

  it('refuses a plan without the requester, naming the field', async () => {
    const { requestedBy: _, ...anonymous } = plan;

    await expectFailure(
      handler({ plan: anonymous, decision: 'DRY_RUN' }, lambdaContext()),
      'InvalidInputError',
      'plan.requestedBy',
    );
  });

  itRefusesEnvironment('ENVIRONMENT_NAME', undefined, () =>
    handler({ plan, decision: 'DRY_RUN' }, lambdaContext()),
  );
});
