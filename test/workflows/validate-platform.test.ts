import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ValidationReport, validationReportSchema } from '../../functions/core/validation/report.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import type { ExecutionResult, TimelineEntry } from '../../local/runner/execution-result.ts';
import { type LocalWorkflows, loadWorkflows } from '../../local/runner/workflows.ts';

// The synthesized validate-platform state machine, run by the local runner against the local
// lakehouse: the same ASL and the same handlers as in AWS.
const WORKFLOW = 'validate-platform';

describe('validate-platform workflow', () => {
  let lakehouse: LocalLakehouse;
  let workflows: LocalWorkflows;

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse();
    workflows = await loadWorkflows({ environment: 'development', localEnvironment: lakehouse.environment });
  }, 120_000);
  afterAll(() => lakehouse?.stop());

  const entry = (result: ExecutionResult, state: string): TimelineEntry | undefined =>
    result.timeline.find((candidate) => candidate.state === state);
  const checkOf = (report: ValidationReport, name: string) =>
    report.checks.find((check) => check.name === name);
  /** Runs the workflow with one fault injected, restoring it whatever happens. */
  async function runWithFault(
    inject: () => Promise<() => Promise<void>>,
    input: unknown,
  ): Promise<ExecutionResult> {
    const restore = await inject();
    try {
      return await workflows.runWorkflow(WORKFLOW, input);
    } finally {
      await restore();
    }
  }

  it('succeeds with a HEALTHY report when every check passes', async () => {
    const before = lakehouse.published.length;
    const result = await workflows.runWorkflow(WORKFLOW, { requestedBy: 'vitest' });

    expect(result.status).toBe('SUCCEEDED');
    const report = validationReportSchema.parse(result.output);
    expect(report).toMatchObject({
      status: 'HEALTHY',
      environment: 'local',
      summary: { passed: 7, failed: 0, errored: 0 },
    });
    expect(entry(result, 'ReportPlatformHealthy')?.status).toBe('SUCCEEDED');
    expect(lakehouse.published.length).toBe(before);
  });

  it('publishes a notification and fails with PlatformUnhealthy and the report as cause when a check fails', async () => {
    const before = lakehouse.published.length;
    const result = await runWithFault(() => lakehouse.faults.minioPodDown(), {
      requestedBy: 'vitest',
      notify: true,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'PlatformUnhealthy' });
    const report = validationReportSchema.parse(JSON.parse(result.cause ?? ''));
    expect(report.status).toBe('UNHEALTHY');
    expect(checkOf(report, 'minio-statefulset')).toMatchObject({ status: 'FAILED' });
    expect(entry(result, 'NotifyOperators')?.status).toBe('SUCCEEDED');
    expect(entry(result, 'ReportPlatformUnhealthy')).toMatchObject({ type: 'Fail', status: 'FAILED' });
    const notifications = lakehouse.published.slice(before);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.subject).toContain('UNHEALTHY');
    expect(notifications[0]?.message).toContain('minio-statefulset');
  });

  it('skips the notification when the request says notify: false', async () => {
    const before = lakehouse.published.length;
    const result = await runWithFault(() => lakehouse.faults.nodeNotReady(), {
      requestedBy: 'vitest',
      notify: false,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'PlatformUnhealthy' });
    expect(entry(result, 'NotifyOperators')).toBeUndefined();
    expect(lakehouse.published.length).toBe(before);
  });

  it('retries a check after a Kubernetes API 503 and still succeeds, with the retry in the timeline', async () => {
    await lakehouse.faults.kubernetesApiFlaky(1);
    const result = await workflows.runWorkflow(WORKFLOW, { requestedBy: 'vitest' });

    expect(result.status).toBe('SUCCEEDED');
    const retried = result.timeline.filter((candidate) => candidate.retries > 0);
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({
      type: 'Task',
      status: 'SUCCEEDED',
      retries: 1,
      error: { error: 'TransientError' },
    });
    expect(retried[0]?.error?.cause).toContain('503');
  });

  it('records ERROR for the S3 probe through its Catch when the MinIO endpoint is down', async () => {
    const result = await runWithFault(() => lakehouse.faults.minioS3Down(), { requestedBy: 'vitest' });

    expect(entry(result, 'CheckMinioS3Probe')).toMatchObject({
      status: 'CAUGHT',
      error: { error: 'TransientError' },
    });
    expect(entry(result, 'RecordMinioS3ProbeError')?.status).toBe('SUCCEEDED');
    const report = validationReportSchema.parse(JSON.parse(result.cause ?? ''));
    const probe = checkOf(report, 'minio-s3-probe');
    expect(probe).toMatchObject({ status: 'ERROR', observations: { error: 'TransientError' } });
    // As in AWS, the detail is the Lambda runtime's error document.
    expect(JSON.parse(probe?.detail ?? '')).toMatchObject({
      errorType: 'TransientError',
      errorMessage: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('measures s5cmd throughput, Prefect API latency and a flow-run burst when performance is true', async () => {
    const runsBefore = lakehouse.prefect.flowRuns().length;
    const result = await workflows.runWorkflow(WORKFLOW, { requestedBy: 'vitest', performance: true });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = validationReportSchema.parse(result.output);
    expect(report).toMatchObject({ status: 'HEALTHY', performance: true, summary: { passed: 10 } });
    expect(entry(result, 'CollectPerformanceChecks')?.status).toBe('SUCCEEDED');
    // Measured numbers: the local bar (local/lakehouse/performance.ts) and the development
    // configuration's workloads (infra/config/development.ts).
    const throughput = checkOf(report, 's5cmd-throughput')?.observations;
    expect(throughput).toMatchObject({ bytes: 32 * 1024 * 1024, thresholdMiBPerSecond: 2 });
    expect(throughput?.uploadMs).toBeGreaterThan(0);
    expect(throughput?.uploadMiBPerSecond).toBeGreaterThanOrEqual(2);
    expect(throughput?.downloadMiBPerSecond).toBeGreaterThanOrEqual(2);
    const latency = checkOf(report, 'prefect-api-latency')?.observations;
    expect(latency).toMatchObject({ samples: 20, failedRequests: 0, thresholdP95Ms: 250 });
    expect(latency?.p95Ms).toBeLessThanOrEqual(250);
    const burst = checkOf(report, 'flow-run-burst')?.observations;
    expect(burst).toMatchObject({ count: 10, completed: 10, thresholdSeconds: 120 });
    // Ten runs on a worker that runs four at a time for 200 ms each: at least three waves.
    expect(burst?.elapsedSeconds).toBeGreaterThanOrEqual(0.6);
    const runs = lakehouse.prefect.flowRuns().slice(runsBefore);
    expect(runs.map((run) => run.state_type)).toEqual(Array(10).fill('COMPLETED'));
  }, 120_000);

  it('fails with the Prefect API latency over its threshold when the API answers slowly', async () => {
    const result = await runWithFault(async () => lakehouse.prefect.slowResponses(300), {
      requestedBy: 'vitest',
      performance: true,
      notify: false,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'PlatformUnhealthy' });
    const report = validationReportSchema.parse(JSON.parse(result.cause ?? ''));
    expect(report.summary).toMatchObject({ failed: 1, errored: 0 });
    const latency = checkOf(report, 'prefect-api-latency');
    expect(latency).toMatchObject({ status: 'FAILED', observations: { thresholdP95Ms: 250 } });
    expect(latency?.observations.p95Ms).toBeGreaterThanOrEqual(300);
    expect(latency?.detail).toMatch(/p95 latency \d+ ms exceeds the threshold of 250 ms/);
    expect(checkOf(report, 'flow-run-burst')?.status).toBe('PASSED');
  }, 120_000);

  it('runs no performance check when the request does not ask for them', async () => {
    const result = await workflows.runWorkflow(WORKFLOW, { requestedBy: 'vitest' });

    expect(entry(result, 'SkipPerformanceChecks')?.status).toBe('SUCCEEDED');
    expect(entry(result, 'RunPerformanceChecks')).toBeUndefined();
    expect(validationReportSchema.parse(result.output).checks).toHaveLength(7);
  });

  it('fails in ValidateWorkflowInput when the input has an unknown key', async () => {
    const result = await workflows.runWorkflow(WORKFLOW, { notfy: false });

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(entry(result, 'ValidateWorkflowInput')).toMatchObject({ status: 'FAILED' });
    expect(entry(result, 'RunPlatformChecks')).toBeUndefined();
  });
});
