import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/check-flow-run-burst.handler.ts';
import { type PrefectApiStandIn, startPrefectApiStandIn } from '../../local/lakehouse/prefect-api.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';

describe('check-flow-run-burst handler', () => {
  let prefect: PrefectApiStandIn;
  beforeAll(async () => {
    prefect = await startPrefectApiStandIn({
      deployments: [
        { flowName: 'smoke', deploymentName: 'burst', runDurationMs: 100 },
        { flowName: 'smoke', deploymentName: 'broken', runDurationMs: 10, fails: true },
      ],
      workerConcurrency: 3,
    });
  });
  afterAll(() => prefect.stop());
  useHandlerEnvironment(() => ({
    PREFECT_API_URL: prefect.url,
    PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT: 'smoke/burst',
    PERFORMANCE_FLOW_RUN_BURST_COUNT: '6',
    PERFORMANCE_FLOW_RUN_BURST_MAX_SECONDS: '10',
  }));

  it('returns PASSED with the time until every run of the burst completed', async () => {
    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      name: 'flow-run-burst',
      status: 'PASSED',
      observations: {
        count: 6,
        created: 6,
        completed: 6,
        stateCounts: { COMPLETED: 6 },
        thresholdSeconds: 10,
      },
    });
    // Six runs of 100 ms on three slots: two waves at least.
    expect(result.observations.elapsedSeconds).toBeGreaterThanOrEqual(0.2);
    const burst = result.observations.burst as string;
    const runs = prefect.flowRuns().filter((run) => run.name.startsWith(`burst-${burst}-`));
    expect(runs).toHaveLength(6);
    expect(runs.every((run) => run.tags.includes('validate-platform-burst'))).toBe(true);
  });

  it('returns FAILED and cancels the runs when the worker does not take them within the threshold', async () => {
    vi.stubEnv('PERFORMANCE_FLOW_RUN_BURST_MAX_SECONDS', '1');
    const resume = prefect.pauseWorker();
    try {
      const result = await handler({}, lambdaContext());

      expect(result.status).toBe('FAILED');
      expect(result.detail).toBe(
        '6 of 6 flow runs had not finished after 1 s (the threshold); they were cancelled',
      );
      expect(result.observations.cancelled).toHaveLength(6);
      const burst = result.observations.burst as string;
      const runs = prefect.flowRuns().filter((run) => run.name.startsWith(`burst-${burst}-`));
      expect(runs.map((run) => run.state_type)).toEqual(Array(6).fill('CANCELLED'));
    } finally {
      await resume();
    }
  });

  it('returns FAILED when runs end without completing', async () => {
    vi.stubEnv('PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT', 'smoke/broken');

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: '6 flow runs ended without completing: 6 FAILED',
      observations: { stateCounts: { FAILED: 6 } },
    });
  });

  it('returns FAILED when the deployment is not registered', async () => {
    vi.stubEnv('PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT', 'smoke/missing');

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ status: 'FAILED', observations: { found: false } });
    expect(result.detail).toContain('Prefect deployment smoke/missing not found');
  });
});
