import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { recordAppliedChange } from '../../../../../functions/core/cost/apply/history.ts';
import { planRightsizing } from '../../../../../functions/core/cost/apply/plan.ts';
import { seedDeployment, seedStatefulSet } from '../../remediation/playbooks/kube-sim-cluster.ts';
import { NOW, planDependencies, recommendationFor, useRightsizingBackends } from './rightsizing-fixtures.ts';

const EXECUTION = 'cost-run-1';

describe('planRightsizing', () => {
  const backends = useRightsizingBackends();
  const plan = (recommendations: ReturnType<typeof recommendationFor>[], overrides = {}, dryRun = false) =>
    planRightsizing(planDependencies(backends, overrides), {
      recommendations,
      dryRun,
      executionId: EXECUTION,
    });

  it('plans the guarded change with its strategic merge patch, needing no approval for a worker in development', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 2);
    const result = await plan([recommendationFor({ name: 'worker' })]);
    expect(result).toMatchObject({
      mode: 'on',
      dryRun: false,
      approvalRequired: false,
      skipped: [],
      gitOps: [],
    });
    expect(result.changes).toEqual([
      expect.objectContaining({
        workload: { namespace: 'prefect', kind: 'Deployment', name: 'worker', container: 'main' },
        before: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        after: { requests: { cpu: '80m', memory: '112Mi' }, limits: { memory: '224Mi' } },
        approvalReasons: [],
        patch: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'main',
                    resources: { requests: { cpu: '80m', memory: '112Mi' }, limits: { memory: '224Mi' } },
                  },
                ],
              },
            },
          },
        },
      }),
    ]);
  });

  it('plans nothing and skips every recommendation when applying is off', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 1);
    const result = await plan([recommendationFor({ name: 'worker' })], { mode: 'off' });
    expect(result.changes).toEqual([]);
    expect(result.skipped).toEqual([
      {
        workload: expect.objectContaining({ name: 'worker' }),
        reason: 'applying right-sizing is off in this environment (recommendation only)',
      },
    ]);
  });

  it('is a dry run without approval in dry-run mode, or when the operator asks, even in production', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 1);
    const dryRunMode = await plan([recommendationFor({ name: 'worker' })], {
      mode: 'dry-run',
      requireApproval: true,
    });
    expect(dryRunMode).toMatchObject({ dryRun: true, approvalRequired: false });
    const asked = await plan([recommendationFor({ name: 'worker' })], { requireApproval: true }, true);
    expect(asked).toMatchObject({ dryRun: true, approvalRequired: false });
  });

  it('asks for approval in production, naming each change and why', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 1);
    const result = await plan([recommendationFor({ name: 'worker' })], { requireApproval: true });
    expect(result.approvalRequired).toBe(true);
    expect(result.approvalChanges).toEqual([
      'Deployment prefect/worker (container main): cpu 100m -> 80m, memory 128Mi -> 112Mi (requests); memory 256Mi -> 224Mi (limits) (applying right-sizing in development requires approval)',
    ]);
  });

  it('requires approval for the stateful tier even where approval is otherwise off', async () => {
    seedStatefulSet(backends.cluster.sim(), 'minio', 'minio', 4, (object) => {
      object.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '1', memory: '4Gi' } };
    });
    const result = await plan([
      recommendationFor(
        { namespace: 'minio', kind: 'StatefulSet', name: 'minio', container: 'minio' },
        { requests: { cpuCores: 0.8 }, limits: {} },
      ),
    ]);
    expect(result.approvalRequired).toBe(true);
    expect(result.changes[0]).toMatchObject({
      statefulTier: 'MinIO',
      approvalReasons: ['MinIO is in the stateful tier: approval is required in every environment'],
    });
  });

  it('writes a patch file for a GitOps-managed workload instead of planning a patch', async () => {
    seedDeployment(backends.cluster.sim(), 'synced', 'prefect', 1, (object) => {
      object.metadata!.labels = { ...object.metadata!.labels, 'argocd.argoproj.io/instance': 'lakehouse' };
    });
    const result = await plan([recommendationFor({ name: 'synced' })]);
    expect(result.changes).toEqual([]);
    expect(result.gitOps).toEqual([
      expect.objectContaining({
        manager: 'Argo CD (argocd.argoproj.io/instance)',
        patchFile: {
          path: 'rightsizing/prefect-deployment-synced.yaml',
          content: expect.stringContaining('memory: "112Mi"'),
        },
      }),
    ]);
  });

  it('clamps by the history of the week: a second decrease stops at 30% below last week', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 1, (object: V1Deployment) => {
      object.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '800m', memory: '128Mi' } };
    });
    await recordAppliedChange(backends.table(), {
      workload: { namespace: 'prefect', kind: 'Deployment', name: 'worker', container: 'main' },
      executionId: 'cost-run-0',
      appliedAt: new Date(NOW.getTime() - 3 * 86_400_000).toISOString(),
      before: { requests: { cpu: '1', memory: '128Mi' }, limits: {} },
      after: { requests: { cpu: '800m', memory: '128Mi' }, limits: {} },
    });
    const result = await plan([
      recommendationFor({ name: 'worker' }, { requests: { cpuCores: 0.2 }, limits: {} }),
    ]);
    expect(result.changes[0]).toMatchObject({
      after: { requests: { cpu: '700m', memory: '128Mi' } },
      notes: ['CPU request: 200m recommended, held at 700m by the weekly cap of 30%'],
    });
  });

  it('forgets changes older than a week', async () => {
    seedDeployment(backends.cluster.sim(), 'batch', 'prefect', 1, (object: V1Deployment) => {
      object.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '800m' } };
    });
    await recordAppliedChange(backends.table(), {
      workload: { namespace: 'prefect', kind: 'Deployment', name: 'batch', container: 'main' },
      executionId: 'cost-run-old',
      appliedAt: new Date(NOW.getTime() - 8 * 86_400_000).toISOString(),
      before: { requests: { cpu: '4' }, limits: {} },
      after: { requests: { cpu: '800m' }, limits: {} },
    });
    const result = await plan([
      recommendationFor({ name: 'batch' }, { requests: { cpuCores: 0.2 }, limits: {} }),
    ]);
    expect(result.changes[0]?.after.requests.cpu).toBe('560m');
  });

  it('skips what cannot or need not be patched, with the reason', async () => {
    seedDeployment(backends.cluster.sim(), 'fresh', 'prefect', 1);
    const result = await plan([
      recommendationFor({ name: 'gone' }),
      recommendationFor({ name: 'fresh', container: 'sidecar' }),
      recommendationFor({ kind: 'Job', name: 'once' }),
      recommendationFor({ kind: 'PrefectWorkPool', name: 'kubernetes-pool' }),
      // 100m capped at 70m (the p99 usage 60m is below): still a change, so not skipped.
      recommendationFor({ name: 'fresh' }, { requests: { cpuCores: 0.01 }, limits: {} }),
    ]);
    expect(result.skipped.map((skip) => skip.reason)).toEqual([
      'Deployment prefect/gone no longer exists',
      'the pod template has no container sidecar any more',
      "a Job's pod template is immutable: change the CronJob or the tool that creates it",
      "a Prefect work pool's base job template lives in the Prefect API: change it there (the report shows the values)",
    ]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]?.after.requests.cpu).toBe('70m');
  });

  it('skips a recommendation that the guardrails bring back to the current values', async () => {
    seedDeployment(backends.cluster.sim(), 'capped', 'prefect', 1);
    const result = await plan(
      [recommendationFor({ name: 'capped' }, { requests: { cpuCores: 0.01 }, limits: {} })],
      {},
      false,
    );
    expect(result.changes).toHaveLength(1);
    await recordAppliedChange(backends.table(), {
      workload: { namespace: 'prefect', kind: 'Deployment', name: 'capped', container: 'main' },
      executionId: 'cost-run-0',
      appliedAt: new Date(NOW.getTime() - 86_400_000).toISOString(),
      before: { requests: { cpu: '143m' }, limits: {} },
      after: { requests: { cpu: '100m' }, limits: {} },
    });
    const capped = await plan([
      recommendationFor({ name: 'capped' }, { requests: { cpuCores: 0.01 }, limits: {} }),
    ]);
    expect(capped.changes).toEqual([]);
    expect(capped.skipped[0]?.reason).toBe(
      'nothing to change after the guardrails: CPU request: 10m recommended, held at 100m by the weekly cap of 30%',
    );
  });
});
