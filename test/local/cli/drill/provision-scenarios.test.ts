import { describe, expect, it } from 'vitest';
import { PROVISION_DRILL_SCENARIOS } from '../../../../local/cli/drill/provision-scenarios.ts';
import type { LocalLakehouse } from '../../../../local/lakehouse/index.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';

const [emptyCluster, rerun, dryRun] = PROVISION_DRILL_SCENARIOS;
const report = (overrides: Record<string, unknown> = {}) => ({
  status: 'PROVISIONED',
  summary: { created: 0, changed: 0, unchanged: 131 },
  nodeGroups: [{ name: 'compute', action: 'unchanged' }],
  stages: [
    { stage: '50-prefect', objects: [{ object: 'Service prefect/prefect-server', action: 'unchanged' }] },
  ],
  buckets: [
    {
      bucket: 'lakehouse-raw',
      action: 'unchanged',
      versioning: 'unsupported',
      lifecycle: 'unsupported',
      notifications: 'unsupported',
    },
  ],
  validation: { status: 'HEALTHY', detail: 'validate-platform HEALTHY: 7 passed, 0 failed, 0 errored' },
  ...overrides,
});
const succeeded = (output: unknown): ExecutionResult => ({
  workflow: 'provision',
  status: 'SUCCEEDED',
  output,
  durationMs: 1,
  timeline: [],
});
const context = (replicas = 2) => ({
  lakehouse: { kube: { get: () => ({ spec: { replicas } }) } } as unknown as LocalLakehouse,
  workflows: {} as never,
  notifications: [],
});

describe('provision drill scenarios', () => {
  it('make their input for the environment the drill runs', () => {
    const input = emptyCluster!.input as (context: { environment: string }) => unknown;
    expect(input({ environment: 'staging' })).toMatchObject({ environment: 'staging' });
    expect((dryRun!.input as typeof input)({ environment: 'development' })).toMatchObject({
      components: ['prefect'],
      dryRun: true,
    });
  });

  it('pass an empty cluster provisioned to HEALTHY with the removed node group created, and say what s3rver lacks', async () => {
    const verdict = await emptyCluster!.evaluate(
      succeeded(
        report({
          summary: { created: 128, changed: 2, unchanged: 1 },
          nodeGroups: [{ name: 'compute', action: 'created' }],
        }),
      ),
      context(),
    );
    expect(verdict).toMatchObject({ passed: true, reportStatus: 'PROVISIONED' });
    expect(verdict.details).toEqual([
      '128 created, 2 changed, 1 unchanged; validation HEALTHY',
      'MinIO stand-in (s3rver) does not implement bucket versioning, lifecycle, notifications: reported unsupported',
    ]);
  });

  it('fail a re-run that changed something, naming the object', async () => {
    const changed = report({
      summary: { created: 0, changed: 1, unchanged: 130 },
      stages: [
        {
          stage: '50-prefect',
          objects: [{ object: 'Deployment prefect/prefect-server', action: 'changed' }],
        },
      ],
    });
    const verdict = await rerun!.evaluate(succeeded(changed), context());
    expect(verdict.passed).toBe(false);
    expect(verdict.problems[0]).toContain('Deployment prefect/prefect-server changed');
  });

  it('fail a provision that ended FAILED, with its failure', async () => {
    const failed: ExecutionResult = {
      workflow: 'provision',
      status: 'FAILED',
      error: 'ProvisionFailed',
      cause: JSON.stringify(
        report({
          status: 'FAILED',
          failure: { error: 'RolloutFailedError', detail: 'stage 80-monitoring: ...' },
        }),
      ),
      durationMs: 1,
      timeline: [],
    };
    const verdict = await emptyCluster!.evaluate(failed, context());
    expect(verdict.passed).toBe(false);
    expect(verdict.problems).toContain('RolloutFailedError: stage 80-monitoring: ...');
  });

  it('pass a dry run that shows the one hand-made change and left it in place, and fail one that applied it', async () => {
    const pending = report({
      status: 'DRY_RUN',
      summary: { created: 0, changed: 1, unchanged: 33 },
      stages: [
        {
          stage: '50-prefect',
          objects: [
            { object: 'Deployment prefect/prefect-server', action: 'changed', fields: ['spec.replicas'] },
          ],
        },
      ],
    });
    expect((await dryRun!.evaluate(succeeded(pending), context(2))).passed).toBe(true);
    const applied = await dryRun!.evaluate(succeeded(pending), context(3));
    expect(applied.problems).toEqual(['the dry run changed the Deployment: 3 replicas']);
  });
});
