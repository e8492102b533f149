import type { CheckName, CheckStatus } from '../../../functions/core/validation/check-result.ts';
import type { LocalLakehouse, RestoreFault } from '../../lakehouse/index.ts';

/**
 * The drill's scenarios: the healthy platform, then one injected fault each, which validate-platform
 * must notice in the expected check (and report through a notification), then healthy again.
 */
export interface DrillExpectation {
  readonly verdict: 'HEALTHY' | 'UNHEALTHY';
  /** Checks whose status is predicted; checks not listed may have any status. */
  readonly checks: Partial<Record<CheckName, CheckStatus>>;
  /** Whether operators must have been notified (SNS Publish) during the run. */
  readonly notified: boolean;
  /** Whether some state must have been retried (and the run still came out as predicted). */
  readonly retried?: boolean;
}

export interface DrillScenario {
  readonly id: string;
  readonly title: string;
  readonly expectation: DrillExpectation;
  /** Injects the fault; returns how to undo it. Absent for the healthy baseline. */
  readonly inject?: (lakehouse: LocalLakehouse) => Promise<RestoreFault>;
}

const ALL_PASSED: Partial<Record<CheckName, CheckStatus>> = {
  'eks-cluster': 'PASSED',
  nodes: 'PASSED',
  prefect: 'PASSED',
  'minio-statefulset': 'PASSED',
  'minio-s3-probe': 'PASSED',
  's5cmd-executor': 'PASSED',
  monitoring: 'PASSED',
};

const HEALTHY: DrillExpectation = { verdict: 'HEALTHY', checks: ALL_PASSED, notified: false };

const unhealthy = (check: CheckName, status: CheckStatus): DrillExpectation => ({
  verdict: 'UNHEALTHY',
  checks: { [check]: status },
  notified: true,
});

/** 503s for the first Kubernetes API requests: enough to fail a check once, not its retries. */
const FLAKY_REQUESTS = 2;

export const DRILL_SCENARIOS: readonly DrillScenario[] = [
  { id: 'healthy', title: 'Healthy platform', expectation: HEALTHY },
  {
    id: 'node-not-ready',
    title: 'Node NotReady',
    expectation: unhealthy('nodes', 'FAILED'),
    inject: (lakehouse) => lakehouse.faults.nodeNotReady(),
  },
  {
    id: 'minio-pod-down',
    title: 'MinIO pod down (crash loop)',
    expectation: unhealthy('minio-statefulset', 'FAILED'),
    inject: (lakehouse) => lakehouse.faults.minioPodDown(),
  },
  {
    id: 'prefect-worker-unavailable',
    title: 'Prefect worker Deployment unavailable (image missing)',
    expectation: unhealthy('prefect', 'FAILED'),
    inject: (lakehouse) => lakehouse.faults.prefectWorkerUnavailable(),
  },
  {
    id: 'kubernetes-api-flaky',
    title: 'Kubernetes API flaky (503s)',
    expectation: { ...HEALTHY, retried: true },
    inject: (lakehouse) => lakehouse.faults.kubernetesApiFlaky(FLAKY_REQUESTS),
  },
  {
    id: 'minio-s3-down',
    title: 'MinIO S3 endpoint down',
    expectation: unhealthy('minio-s3-probe', 'ERROR'),
    inject: (lakehouse) => lakehouse.faults.minioS3Down(),
  },
  { id: 'healthy-again', title: 'Healthy again after every restore', expectation: HEALTHY },
];
