import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyRightsizing } from '../../../../../functions/core/cost/apply/apply.ts';
import { recentChanges } from '../../../../../functions/core/cost/apply/history.ts';
import { planRightsizing } from '../../../../../functions/core/cost/apply/plan.ts';
import {
  ROLLED_BACK_AT_ANNOTATION,
  rollbackRightsizing,
} from '../../../../../functions/core/cost/apply/rollback.ts';
import { auditHistory } from '../../../support/local-dynamodb.ts';
import { seedDeployment, stored } from '../../remediation/playbooks/kube-sim-cluster.ts';
import {
  changeDependencies,
  NOW,
  planDependencies,
  recommendationFor,
  useRightsizingBackends,
} from './rightsizing-fixtures.ts';

const LATER = new Date(NOW.getTime() + 6 * 3_600_000);
const OOM = 'OOM kills rose from 0 to 2 (at most +0 allowed)';

describe('rollbackRightsizing', () => {
  const backends = useRightsizingBackends();
  const deploymentOf = (name: string) =>
    stored<V1Deployment>(backends.cluster.sim(), 'apps/v1', 'Deployment', name, 'prefect');

  async function applied(name: string, executionId: string, before?: V1Deployment['spec']) {
    seedDeployment(backends.cluster.sim(), name, 'prefect', 1, (object) => {
      if (before) object.spec = before;
    });
    const plan = await planRightsizing(planDependencies(backends), {
      recommendations: [recommendationFor({ name })],
      dryRun: false,
      executionId,
    });
    return applyRightsizing(changeDependencies(backends), {
      plan,
      approval: { status: 'NOT_REQUIRED' },
      requestedBy: 'schedule',
      executionId,
    });
  }

  it('restores the exact before-state, audits it with the reasons and marks the history', async () => {
    const result = await applied('oomy', 'rollback-1');
    const workload = result.applied[0]!.workload;
    const rollback = await rollbackRightsizing(changeDependencies(backends, LATER), {
      applied: result.applied,
      verdicts: [{ workload, rollback: true, reasons: [OOM] }],
      executionId: 'rollback-1',
    });

    expect(rollback.rolledBack).toEqual([
      {
        workload,
        reasons: [OOM],
        change: 'cpu 80m -> 100m, memory 112Mi -> 128Mi (requests); memory 224Mi -> 256Mi (limits)',
      },
    ]);
    expect(rollback.summary).toContain(`Rolled back Deployment prefect/oomy (container main)`);
    expect(deploymentOf('oomy')?.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(deploymentOf('oomy')?.metadata?.annotations?.[ROLLED_BACK_AT_ANNOTATION]).toBe(
      LATER.toISOString(),
    );
    expect((await recentChanges(backends.table(), workload, LATER))[0]?.rolledBackAt).toBe(
      LATER.toISOString(),
    );
    const audit = await auditHistory(backends.dynamo.client(), {
      workflow: 'cost-optimise',
      target: 'prefect/Deployment/oomy/main',
    });
    expect(audit.map((record) => [record.action, record.decision, record.actor])).toEqual(
      expect.arrayContaining([
        ['apply', 'APPLIED', 'schedule'],
        ['rollback', 'ROLLED_BACK', `watch: ${OOM}`],
      ]),
    );
  });

  it('removes a limit that the change added and the before-state did not have', async () => {
    const result = await applied('nolimit', 'rollback-2', {
      selector: { matchLabels: { app: 'nolimit' } },
      template: {
        metadata: { labels: { app: 'nolimit' } },
        spec: {
          containers: [
            { name: 'main', image: 'nginx', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
          ],
        },
      },
    });
    expect(deploymentOf('nolimit')?.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({
      memory: '224Mi',
    });
    await rollbackRightsizing(changeDependencies(backends, LATER), {
      applied: result.applied,
      verdicts: [{ workload: result.applied[0]!.workload, rollback: true, reasons: ['throttled'] }],
      executionId: 'rollback-2',
    });
    const resources = deploymentOf('nolimit')?.spec?.template.spec?.containers[0]?.resources;
    expect(resources?.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    // The API server drops the emptied map when it serialises; kube-sim keeps `{}`: either way, no limit.
    expect(resources?.limits ?? {}).toEqual({});
  });

  it('leaves a workload that someone changed again since the apply, and says so', async () => {
    const result = await applied('retouched', 'rollback-3');
    seedDeployment(backends.cluster.sim(), 'retouched', 'prefect', 1, (object) => {
      object.spec!.template.spec!.containers[0]!.resources = {
        requests: { cpu: '2', memory: '112Mi' },
        limits: { memory: '224Mi' },
      };
    });
    const rollback = await rollbackRightsizing(changeDependencies(backends, LATER), {
      applied: result.applied,
      verdicts: [{ workload: result.applied[0]!.workload, rollback: true, reasons: [OOM] }],
      executionId: 'rollback-3',
    });
    expect(rollback.rolledBack).toEqual([]);
    expect(rollback.notRolledBack[0]?.reason).toBe(
      'its resources changed again since the apply (cpu 80m -> 2 (requests)): left as they are',
    );
    expect(deploymentOf('retouched')?.spec?.template.spec?.containers[0]?.resources?.requests?.cpu).toBe('2');
  });

  it('rolls back every applied change when told the watch could not judge them', async () => {
    const result = await applied('unjudged', 'rollback-4');
    const rollback = await rollbackRightsizing(changeDependencies(backends, LATER), {
      applied: result.applied,
      verdicts: [],
      rollbackAllReason: 'the watch could not judge the change (PrometheusQueryError)',
      executionId: 'rollback-4',
    });
    expect(rollback.rolledBack.map((entry) => entry.reasons)).toEqual([
      ['the watch could not judge the change (PrometheusQueryError)'],
    ]);
    expect(deploymentOf('unjudged')?.spec?.template.spec?.containers[0]?.resources?.requests?.cpu).toBe(
      '100m',
    );
  });

  it('keeps workloads whose verdict says keep', async () => {
    const result = await applied('healthy', 'rollback-5');
    const rollback = await rollbackRightsizing(changeDependencies(backends, LATER), {
      applied: result.applied,
      verdicts: [{ workload: result.applied[0]!.workload, rollback: false, reasons: [] }],
      executionId: 'rollback-5',
    });
    expect(rollback).toMatchObject({ rolledBack: [], notRolledBack: [], summary: '' });
    expect(deploymentOf('healthy')?.spec?.template.spec?.containers[0]?.resources?.requests?.cpu).toBe('80m');
  });
});
