import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/apply-manifests.handler.ts';
import { planProvision } from '../../functions/core/provision/plan.ts';
import { lambdaContext } from './support/lambda.ts';
import { DEVELOPMENT, useProvisionHandlerHarness } from './support/provision-handler-harness.ts';
import { expectFailure } from './support/rejection.ts';

const plan = (dryRun: boolean) =>
  planProvision(DEVELOPMENT, {
    environment: 'development',
    components: ['all'],
    dryRun,
    requestedBy: 'test',
  });

describe('apply-manifests handler', () => {
  const cluster = useProvisionHandlerHarness(() => ({ PROVISION_ROLLOUT_TIMEOUT_SECONDS: '120' }));

  it('dry-runs a stage and stores nothing', async () => {
    const result = await handler({ plan: plan(true), next: 0 }, lambdaContext());

    expect(result.stages[0]?.objects.map((object) => object.action)).toEqual(Array(4).fill('created'));
    expect(result).toMatchObject({ next: 1, done: false, current: { stage: '00-namespaces', rollouts: [] } });
    expect(cluster.kube().get('v1', 'Namespace', 'minio')).toBeUndefined();
  });

  it('applies a stage through the EKS connection and sets the rollout deadline', async () => {
    const started = Date.now();
    const earlier = { stage: 'earlier', dryRun: false, objects: [], rollouts: [] };
    const result = await handler({ plan: plan(false), next: 0, applied: [earlier] }, lambdaContext());

    expect(result.stages).toEqual([
      earlier,
      expect.objectContaining({ stage: '00-namespaces', dryRun: false }),
    ]);
    expect(cluster.kube().get('v1', 'Namespace', 'minio')?.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'lakehouse-ops', operation: 'Apply' }),
    );
    const deadline = Date.parse(result.current.rolloutDeadline) - started;
    expect(deadline).toBeGreaterThanOrEqual(120_000);
    expect(deadline).toBeLessThan(130_000);
  });

  it('says when the last stage is done', async () => {
    const last = plan(true).stages.length - 1;
    const result = await handler({ plan: plan(true), next: last }, lambdaContext());

    expect(result).toMatchObject({ next: last + 1, done: true, current: { stage: '80-monitoring' } });
  });

  it('refuses a stage index past the plan', async () => {
    await expectFailure(
      handler({ plan: plan(false), next: 99 }, lambdaContext()),
      'InvalidInputError',
      'stage 99 does not exist: the plan has 9 stages',
    );
  });
});
