import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/build-provision-report.handler.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';

const plan = {
  environment: 'development',
  components: ['prefect'],
  dryRun: false,
  requestedBy: 'test',
  nodeGroups: false,
  buckets: false,
  stages: [{ name: '50-prefect', objectCount: 2 }],
};

describe('build-provision-report handler', () => {
  const { output } = useHandlerEnvironment(() => ({ POWERTOOLS_METRICS_DISABLED: 'false' }));

  it('reports a provisioned environment from the whole execution state and counts the changes as a metric', async () => {
    const report = await handler(
      {
        environment: 'development',
        plan,
        manifests: {
          stages: [
            {
              stage: '50-prefect',
              dryRun: false,
              objects: [
                { object: 'Service prefect/prefect-server', action: 'unchanged' },
                { object: 'Deployment prefect/prefect-worker', action: 'created' },
              ],
              rollouts: [],
            },
          ],
        },
        validation: { status: 'HEALTHY', summary: { passed: 7, failed: 0, errored: 0 } },
      },
      lambdaContext(),
    );

    expect(report).toMatchObject({
      status: 'PROVISIONED',
      summary: { created: 1, changed: 0, unchanged: 1 },
    });
    const metrics = emittedMetrics(output().lines());
    expect(metrics).toContainEqual(expect.objectContaining({ ProvisionObjectsChanged: 1 }));
  });

  it('refuses an execution state without a plan', async () => {
    await expect(handler({ manifests: { stages: [] } }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});
