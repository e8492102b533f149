import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type ApprovalOutcome, applyRightsizing } from '../../../../../functions/core/cost/apply/apply.ts';
import { recentChanges } from '../../../../../functions/core/cost/apply/history.ts';
import { planRightsizing, RIGHTSIZED_AT_ANNOTATION } from '../../../../../functions/core/cost/apply/plan.ts';
import { auditHistory, OPS_TABLE } from '../../../support/local-dynamodb.ts';
import { seedDeployment, seedStatefulSet, stored } from '../../remediation/playbooks/kube-sim-cluster.ts';
import {
  changeDependencies,
  NOW,
  planDependencies,
  recommendationFor,
  useRightsizingBackends,
} from './rightsizing-fixtures.ts';

describe('applyRightsizing', () => {
  const backends = useRightsizingBackends();
  const resourcesOf = (name: string, namespace = 'prefect') =>
    stored<V1Deployment>(
      backends.cluster.sim(),
      'apps/v1',
      name === 'minio' ? 'StatefulSet' : 'Deployment',
      name,
      namespace,
    )?.spec?.template.spec?.containers[0]?.resources;

  async function planAndApply(
    name: string,
    options: { executionId: string; dryRun?: boolean; approval?: ApprovalOutcome; settings?: object },
  ) {
    const plan = await planRightsizing(planDependencies(backends, options.settings), {
      recommendations: [recommendationFor({ name })],
      dryRun: options.dryRun ?? false,
      executionId: options.executionId,
    });
    return applyRightsizing(changeDependencies(backends), {
      plan,
      approval: options.approval ?? { status: 'NOT_REQUIRED' },
      requestedBy: 'schedule',
      executionId: options.executionId,
    });
  }

  it('patches the container, annotates the workload, and records history and audit with before and after', async () => {
    seedDeployment(backends.cluster.sim(), 'worker', 'prefect', 2);
    const result = await planAndApply('worker', { executionId: 'apply-1' });

    expect(result).toMatchObject({
      dryRun: false,
      anyApplied: true,
      skipped: [],
      appliedAt: NOW.toISOString(),
    });
    expect(resourcesOf('worker')).toEqual({
      requests: { cpu: '80m', memory: '112Mi' },
      limits: { memory: '224Mi' },
    });
    const object = stored<V1Deployment>(backends.cluster.sim(), 'apps/v1', 'Deployment', 'worker', 'prefect');
    expect(object?.metadata?.annotations?.[RIGHTSIZED_AT_ANNOTATION]).toBe(NOW.toISOString());
    const workload = result.applied[0]!.workload;
    expect(await recentChanges(backends.table(), workload, NOW)).toEqual([
      expect.objectContaining({
        executionId: 'apply-1',
        before: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        after: { requests: { cpu: '80m', memory: '112Mi' }, limits: { memory: '224Mi' } },
      }),
    ]);
    const audit = await auditHistory(backends.dynamo.client(), {
      tableName: OPS_TABLE,
      workflow: 'cost-optimise',
      target: 'prefect/Deployment/worker/main',
    });
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'apply',
        decision: 'APPLIED',
        actor: 'schedule',
        executionId: 'apply-1',
        before: JSON.stringify({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } }),
      }),
    ]);
  });

  it('changes nothing in a dry run, yet reports the patch the API server accepted', async () => {
    seedDeployment(backends.cluster.sim(), 'shadow', 'prefect', 1);
    const result = await planAndApply('shadow', { executionId: 'dry-1', dryRun: true });
    expect(result).toMatchObject({ dryRun: true, anyApplied: false });
    expect(result.applied[0]).toMatchObject({
      dryRun: true,
      patch: {
        spec: {
          template: { spec: { containers: [{ name: 'main', resources: { requests: { cpu: '80m' } } }] } },
        },
      },
    });
    expect(resourcesOf('shadow')).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(await recentChanges(backends.table(), result.applied[0]!.workload, NOW)).toEqual([]);
  });

  it.each([
    [{ status: 'REJECTED', detail: '{"approver":"bob"}' }, 'approval rejected: {"approver":"bob"}'],
    [{ status: 'EXPIRED' }, 'approval expired: nobody decided before the deadline'],
  ] as const)('skips a change that needed approval when it was %o', async (approval, reason) => {
    seedDeployment(backends.cluster.sim(), 'guarded', 'prefect', 1);
    const result = await planAndApply('guarded', {
      executionId: `refused-${approval.status}`,
      approval,
      settings: { requireApproval: true },
    });
    expect(result).toMatchObject({ anyApplied: false, applied: [], skipped: [{ reason }] });
    expect(resourcesOf('guarded')).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
  });

  it('applies an approved change and records the approver as the actor', async () => {
    seedStatefulSet(backends.cluster.sim(), 'minio', 'minio', 1, (object) => {
      object.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '100m', memory: '128Mi' } };
    });
    const plan = await planRightsizing(planDependencies(backends), {
      recommendations: [
        recommendationFor({ namespace: 'minio', kind: 'StatefulSet', name: 'minio', container: 'minio' }),
      ],
      dryRun: false,
      executionId: 'approved-1',
    });
    expect(plan.approvalRequired).toBe(true);
    const result = await applyRightsizing(changeDependencies(backends), {
      plan,
      approval: { status: 'APPROVED', approver: 'alice@example.com' },
      requestedBy: 'schedule',
      executionId: 'approved-1',
    });
    expect(result.anyApplied).toBe(true);
    const audit = await auditHistory(backends.dynamo.client(), {
      workflow: 'cost-optimise',
      target: 'minio/StatefulSet/minio/minio',
    });
    expect(audit[0]).toMatchObject({ decision: 'APPLIED', actor: 'alice@example.com' });
  });

  it('does not overwrite resources someone changed since the plan', async () => {
    seedDeployment(backends.cluster.sim(), 'edited', 'prefect', 1);
    const plan = await planRightsizing(planDependencies(backends), {
      recommendations: [recommendationFor({ name: 'edited' })],
      dryRun: false,
      executionId: 'drift-1',
    });
    seedDeployment(backends.cluster.sim(), 'edited', 'prefect', 1, (object) => {
      object.spec!.template.spec!.containers[0]!.resources = {
        requests: { cpu: '300m', memory: '128Mi' },
        limits: { memory: '256Mi' },
      };
    });
    const result = await applyRightsizing(changeDependencies(backends), {
      plan,
      approval: { status: 'NOT_REQUIRED' },
      requestedBy: 'schedule',
      executionId: 'drift-1',
    });
    expect(result.skipped[0]?.reason).toBe(
      'the resources changed since the plan (cpu 100m -> 300m (requests)): not overwritten',
    );
    expect(resourcesOf('edited')?.requests?.cpu).toBe('300m');
  });
});
