import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/plan-provision.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import { useProvisionHandlerHarness } from './support/provision-handler-harness.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

describe('plan-provision handler', () => {
  useProvisionHandlerHarness();

  it('plans every stage of the environment for all components once the cluster is ACTIVE', async () => {
    const plan = await handler({ environment: 'development' }, lambdaContext());

    expect(plan).toMatchObject({
      environment: 'development',
      components: ['infrastructure', 'prefect', 'minio', 's5cmd', 'monitoring'],
      dryRun: false,
      requestedBy: 'console',
      nodeGroups: true,
      buckets: true,
    });
    expect(plan.stages[0]).toEqual({ name: '00-namespaces', objectCount: 4 });
  });

  it('refuses another environment than the deployment manages, with InvalidInputError', async () => {
    await expectFailure(
      handler({ environment: 'production', dryRun: true }, lambdaContext()),
      'InvalidInputError',
      'environment "production" is not the one this deployment manages: expected "development"',
    );
  });

  it('refuses a misspelt key rather than applying for real', async () => {
    await expectFailure(
      handler({ environment: 'development', dryrun: true }, lambdaContext()),
      'InvalidInputError',
      'dryrun',
    );
  });

  itRefusesEnvironment(
    'PROVISION_ENVIRONMENT',
    '{"name":"development"}',
    () => handler({ environment: 'development' }, lambdaContext()),
    'is invalid',
  );
});
