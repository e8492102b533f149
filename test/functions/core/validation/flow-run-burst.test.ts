import { describe, expect, it } from 'vitest';
import {
  BURST_TAGS,
  checkFlowRunBurst,
  parseDeploymentReference,
} from '../../../../functions/core/validation/flow-run-burst.ts';
import type {
  FlowRunStateType,
  PrefectApi,
  PrefectFlowRun,
} from '../../../../functions/core/validation/prefect-api.ts';

/**
 * A Prefect API on a fake clock: each created run takes the next of `outcomes` (its final state
 * and the second it reaches it); until then it reads RUNNING. Sleeping advances the clock.
 */
function fakePrefect(outcomes: readonly { state: FlowRunStateType; atSecond: number }[]) {
  let now = 0;
  const runs: (PrefectFlowRun & { outcome: { state: FlowRunStateType; atSecond: number } })[] = [];
  const cancelled: [string, FlowRunStateType][] = [];
  const createdWith: { name: string; tags: string[] }[] = [];
  const stateAt = (run: (typeof runs)[number]): FlowRunStateType => {
    if (run.state_type === 'CANCELLED') return 'CANCELLED';
    return now < run.outcome.atSecond * 1000 ? 'RUNNING' : run.outcome.state;
  };
  const prefect: PrefectApi = {
    health: async () => undefined,
    filterFlows: async () => [],
    readDeploymentByName: async (flow, deployment) =>
      flow === 'smoke' && deployment === 'burst'
        ? { id: 'dep-1', name: deployment, flow_id: 'flow-1' }
        : undefined,
    createFlowRun: async (_deploymentId, options) => {
      createdWith.push(options);
      const outcome = outcomes[runs.length] ?? { state: 'COMPLETED', atSecond: 0 };
      const run = {
        id: `run-${runs.length + 1}`,
        name: options.name,
        state_type: 'SCHEDULED' as const,
        outcome,
      };
      runs.push(run);
      return run;
    },
    readFlowRuns: async (ids) =>
      runs.filter((run) => ids.includes(run.id)).map((run) => ({ ...run, state_type: stateAt(run) })),
    setFlowRunState: async (id, type) => {
      cancelled.push([id, type]);
      const run = runs.find((candidate) => candidate.id === id);
      if (run) run.state_type = 'CANCELLED' as never;
    },
  };
  return {
    prefect,
    clock: () => now,
    sleep: async (milliseconds: number) => {
      now += milliseconds;
    },
    cancelled,
    createdWith,
  };
}

const completedAt = (...seconds: number[]) =>
  seconds.map((atSecond) => ({ state: 'COMPLETED' as const, atSecond }));

describe('checkFlowRunBurst', () => {
  it('passes with the time until the last run completed, tagging every run of the burst', async () => {
    const fake = fakePrefect(completedAt(1, 2, 3));

    const result = await checkFlowRunBurst({ ...fake, deployment: 'smoke/burst', count: 3, maxSeconds: 10 });

    expect(result).toMatchObject({
      name: 'flow-run-burst',
      status: 'PASSED',
      detail: '3 concurrent flow runs of smoke/burst completed in 3 s (threshold 10 s)',
      observations: { count: 3, created: 3, completed: 3, elapsedSeconds: 3, thresholdSeconds: 10 },
    });
    expect(fake.createdWith.every((options) => options.tags === BURST_TAGS)).toBe(true);
    expect(new Set(fake.createdWith.map((options) => options.name)).size).toBe(3);
  });

  it('fails and cancels the unfinished runs when the threshold passes first', async () => {
    const fake = fakePrefect(completedAt(1, 30));

    const result = await checkFlowRunBurst({ ...fake, deployment: 'smoke/burst', count: 2, maxSeconds: 5 });

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: '1 of 2 flow runs had not finished after 5 s (the threshold); they were cancelled',
      observations: { completed: 1, cancelled: ['run-2'] },
    });
    expect(result.observations).not.toHaveProperty('elapsedSeconds');
    expect(fake.cancelled).toEqual([['run-2', 'CANCELLING']]);
  });

  it('fails when runs end in a state other than COMPLETED', async () => {
    const fake = fakePrefect([
      { state: 'COMPLETED', atSecond: 1 },
      { state: 'CRASHED', atSecond: 1 },
    ]);

    const result = await checkFlowRunBurst({ ...fake, deployment: 'smoke/burst', count: 2, maxSeconds: 5 });

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: '1 flow runs ended without completing: 1 CRASHED',
      observations: { stateCounts: { COMPLETED: 1, CRASHED: 1 } },
    });
  });

  it('fails without creating runs when the deployment is not registered', async () => {
    const fake = fakePrefect([]);

    const result = await checkFlowRunBurst({ ...fake, deployment: 'smoke/other', count: 2, maxSeconds: 5 });

    expect(result.status).toBe('FAILED');
    expect(result.detail).toContain('Prefect deployment smoke/other not found');
    expect(fake.createdWith).toEqual([]);
  });

  it('parses "<flow>/<deployment>" and refuses anything else', () => {
    expect(parseDeploymentReference('smoke/burst')).toEqual({ flowName: 'smoke', deploymentName: 'burst' });
    expect(() => parseDeploymentReference('smoke')).toThrow(
      'expected "<flow name>/<deployment name>", got "smoke"',
    );
  });
});
