import { describe, expect, it } from 'vitest';
import type { StageResult } from '../../../../functions/core/provision/apply.ts';
import type { ProvisionPlan } from '../../../../functions/core/provision/plan.ts';
import { buildProvisionReport } from '../../../../functions/core/provision/report.ts';

const plan: ProvisionPlan = {
  environment: 'development',
  cluster: 'lakehouse-development',
  components: ['infrastructure', 'minio'],
  dryRun: false,
  requestedBy: 'test',
  nodeGroups: true,
  buckets: true,
  stages: [{ name: '60-minio', objectCount: 3 }],
};
const stage: StageResult = {
  stage: '60-minio',
  dryRun: false,
  objects: [
    { object: 'Service minio/minio', action: 'unchanged' },
    { object: 'StatefulSet minio/minio', action: 'changed', fields: ['spec.replicas'], fieldCount: 1 },
    { object: 'PodDisruptionBudget minio/minio', action: 'created' },
  ],
  rollouts: [{ kind: 'StatefulSet', namespace: 'minio', name: 'minio' }],
};
const nodeGroups = {
  changes: [
    { name: 'storage', action: 'scaled' as const, scaling: { minSize: 4, maxSize: 8, desiredSize: 4 } },
  ],
};
const buckets = [
  {
    bucket: 'lakehouse-raw',
    action: 'unchanged' as const,
    versioning: 'unchanged' as const,
    lifecycle: 'unchanged' as const,
    notifications: 'not configured' as const,
  },
];

describe('buildProvisionReport', () => {
  it('is PROVISIONED when validate-platform is HEALTHY, listing only what was created or changed', () => {
    const report = buildProvisionReport({
      plan,
      nodeGroups,
      manifests: { stages: [stage] },
      buckets,
      validation: { status: 'HEALTHY', summary: { passed: 7, failed: 0, errored: 0 }, executionArn: 'arn:x' },
    });

    expect(report).toMatchObject({
      status: 'PROVISIONED',
      summary: { created: 1, changed: 2, unchanged: 2 },
      stages: [{ stage: '60-minio', created: 1, changed: 1, unchanged: 1 }],
      validation: { status: 'HEALTHY', detail: 'validate-platform HEALTHY: 7 passed, 0 failed, 0 errored' },
    });
    expect(report.stages[0]?.objects.map((object) => object.object)).toEqual([
      'StatefulSet minio/minio',
      'PodDisruptionBudget minio/minio',
    ]);
  });

  it('is DRY_RUN for a dry run, which is not validated', () => {
    const report = buildProvisionReport({
      plan: { ...plan, dryRun: true },
      manifests: { stages: [{ ...stage, dryRun: true }] },
    });
    expect(report).toMatchObject({ status: 'DRY_RUN', dryRun: true, validation: { status: 'SKIPPED' } });
  });

  it('is FAILED with the failing step message when a step failed', () => {
    const cause = JSON.stringify({
      errorType: 'RolloutFailedError',
      errorMessage:
        'stage 60-minio: rollouts not complete by 2026-01-01T00:00:00.000Z: StatefulSet minio/minio: 3 of 4 pods are ready',
    });
    const report = buildProvisionReport({
      plan,
      nodeGroups,
      failure: { Error: 'RolloutFailedError', Cause: cause },
    });

    expect(report.status).toBe('FAILED');
    expect(report.failure).toEqual({
      error: 'RolloutFailedError',
      detail:
        'stage 60-minio: rollouts not complete by 2026-01-01T00:00:00.000Z: StatefulSet minio/minio: 3 of 4 pods are ready',
    });
    expect(report.validation.status).toBe('SKIPPED');
  });

  it('is UNHEALTHY with the failing checks when the nested validate-platform failed', () => {
    const childReport = {
      summary: { passed: 6, failed: 1, errored: 0 },
      checks: [
        { name: 'nodes', status: 'PASSED', detail: 'ok' },
        { name: 'prefect', status: 'FAILED', detail: 'Deployment prefect/prefect-worker is scaled to zero' },
      ],
    };
    const cause = JSON.stringify({
      Status: 'FAILED',
      Error: 'PlatformUnhealthy',
      Cause: JSON.stringify(childReport),
    });
    const report = buildProvisionReport({
      plan,
      manifests: { stages: [stage] },
      validationFailure: { Error: 'States.TaskFailed', Cause: cause },
    });

    expect(report.status).toBe('UNHEALTHY');
    expect(report.validation.detail).toBe(
      'validate-platform UNHEALTHY: 6 passed, 1 failed, 0 errored; prefect FAILED: Deployment prefect/prefect-worker is scaled to zero',
    );
  });
});
