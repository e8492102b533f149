import { describe, expect, it } from 'vitest';
import { buildSpotMigrationReport } from '../../../../../functions/core/cost/spot/report.ts';
import { samplePlan } from './spot-cluster.ts';

const drained = (node: string, evicted: number) => ({ node, outcome: 'drained' as const, evicted, left: [] });

describe('buildSpotMigrationReport', () => {
  it('reports MIGRATED with what was drained once verified', () => {
    const report = buildSpotMigrationReport({
      plan: samplePlan(),
      targetGroup: { name: 'compute-spot', created: true, uncordoned: [], deadline: '2026-01-01T00:00:00Z' },
      drain: {
        next: 2,
        done: true,
        blocked: false,
        cordoned: [],
        results: [drained('compute-0', 3), drained('compute-1', 1)],
      },
      verification: { passed: true, checks: [] },
    });

    expect(report).toMatchObject({
      status: 'MIGRATED',
      drain: { nodes: 2, drained: 2, evicted: 4, blocked: [] },
    });
    expect(report.summary).toBe(
      'pool compute to-spot: compute-spot created, 2 of 2 node(s) drained, 4 pod(s) evicted, compute removed',
    );
  });

  it('reports BLOCKED naming the pods and why', () => {
    const blocked = {
      node: 'compute-1',
      outcome: 'blocked' as const,
      evicted: 0,
      left: [{ pod: 'prefect/worker-1', reason: 'blocked by PodDisruptionBudget prefect/worker' }],
    };

    const report = buildSpotMigrationReport({
      plan: samplePlan(),
      drain: {
        next: 2,
        done: false,
        blocked: true,
        cordoned: [],
        results: [drained('compute-0', 1), blocked],
      },
    });

    expect(report.status).toBe('BLOCKED');
    expect(report.summary).toBe(
      'pool compute to-spot stopped: 1 of 2 node(s) drained, 1 pod(s) evicted; compute-1: prefect/worker-1 (blocked by PodDisruptionBudget prefect/worker)',
    );
  });

  it('reports REFUSED from the input alone when the preflight said no', () => {
    const report = buildSpotMigrationReport({
      pool: 'storage',
      direction: 'to-spot',
      dryRun: false,
      requestedBy: 'ops@example.com',
      failure: {
        Error: 'SpotMigrationRefusedError',
        Cause: JSON.stringify({
          errorType: 'SpotMigrationRefusedError',
          errorMessage: 'pool storage stays on on-demand capacity',
        }),
      },
    });

    expect(report).toMatchObject({
      status: 'REFUSED',
      pool: 'storage',
      failure: { detail: 'pool storage stays on on-demand capacity' },
    });
  });

  it.each([
    [{ failure: { Error: 'SpotNodeGroupTimeoutError', Cause: 'late' } }, 'FAILED'],
    [
      {
        verification: {
          passed: false,
          checks: [{ name: 'nodes' as const, passed: false, detail: '1 of 2 nodes Ready' }],
        },
      },
      'VERIFY_FAILED',
    ],
    [
      { plan: samplePlan({ alreadyMigrated: true }), verification: { passed: true, checks: [] } },
      'ALREADY_MIGRATED',
    ],
    [{ plan: samplePlan({ dryRun: true }) }, 'DRY_RUN'],
    [{}, 'FAILED'],
  ])('reports %j as %s', (state, status) => {
    expect(buildSpotMigrationReport({ plan: samplePlan(), ...state }).status).toBe(status);
  });
});
