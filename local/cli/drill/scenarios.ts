import type { CheckName, CheckResult, CheckStatus } from '../../../functions/core/validation/check-result.ts';
import type { PublishedNotification } from '../../aws-sim/sns.ts';
import type { LakehouseCapabilities, LocalLakehouse, RestoreFault } from '../../lakehouse/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import type { LocalReplication } from '../../runner/replication.ts';
import type { LocalWorkflows } from '../../runner/workflows.ts';
import { evaluateScenario } from './evaluate.ts';

/**
 * The drill's scenarios. A scenario runs one workflow with one input (after injecting its fault)
 * and judges the execution. validate-platform: the healthy platform, then one injected fault each,
 * which it must notice in the expected check (and report through a notification), then healthy
 * again. The backup, verify-backup and restore scenarios are in backup-scenarios.ts,
 * verify-backup-scenarios.ts and restore-scenarios.ts.
 */
export interface DrillRunContext {
  readonly lakehouse: LocalLakehouse;
  readonly workflows: LocalWorkflows;
  /** SNS messages published during the run. */
  readonly notifications: readonly PublishedNotification[];
  /** Continuous replication, which the drill runs under every scenario (the DR scenarios pause it). */
  readonly replication?: LocalReplication;
}

export interface ScenarioVerdict {
  readonly passed: boolean;
  readonly problems: readonly string[];
  /** The status of the workflow's report, when it produced one. */
  readonly reportStatus?: string;
  readonly checks?: readonly Pick<CheckResult, 'name' | 'status' | 'detail'>[];
  /** Lines worth showing under the scenario (per-bucket results, for one). */
  readonly details?: readonly string[];
}

export interface ScenarioInputContext {
  /** The CDK environment the workflows were synthesized for (development unless --env says otherwise). */
  readonly environment: string;
}

export interface DrillScenario {
  readonly id: string;
  readonly title: string;
  /** The workflow the scenario runs; skipped (and said so) when the stack does not define it. */
  readonly workflow: string;
  /** Other workflows its run starts after `workflow` (the failover drill fails back), for the help text. */
  readonly alsoRuns?: readonly string[];
  /** Parts of the platform the workflow needs; skipped (and said so) when the lakehouse lacks one. */
  readonly requires?: readonly (keyof LakehouseCapabilities)[];
  /** The input, or how to make it for the environment whose stack the drill runs. */
  readonly input: unknown | ((context: ScenarioInputContext) => unknown);
  /** Injects the fault; returns how to undo it. Absent for a baseline. */
  readonly inject?: (lakehouse: LocalLakehouse) => Promise<RestoreFault>;
  /**
   * Starts the workflow another way than with `input` (remediation: through Prometheus, the
   * webhook and the alert bus, as an alert starts it) and returns the execution to show.
   */
  readonly run?: (context: Omit<DrillRunContext, 'notifications'>) => Promise<ExecutionResult>;
  evaluate(result: ExecutionResult, context: DrillRunContext): ScenarioVerdict | Promise<ScenarioVerdict>;
}
export interface DrillExpectation {
  readonly verdict: 'HEALTHY' | 'UNHEALTHY';
  /** Checks whose status is predicted; checks not listed may have any status. */
  readonly checks: Partial<Record<CheckName, CheckStatus>>;
  /** Whether operators must have been notified (SNS Publish) during the run. */
  readonly notified: boolean;
  /** Whether some state must have been retried (and the run still came out as predicted). */
  readonly retried?: boolean;
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

export const VALIDATE_WORKFLOW = 'validate-platform';
const VALIDATE_INPUT = { requestedBy: 'lakehouse-ops-drill', notify: true };

function validateScenario(
  id: string,
  title: string,
  expectation: DrillExpectation,
  inject?: DrillScenario['inject'],
): DrillScenario {
  return {
    id,
    title,
    workflow: VALIDATE_WORKFLOW,
    input: VALIDATE_INPUT,
    ...(inject ? { inject } : {}),
    evaluate: (result, { notifications }) => {
      const verdict = evaluateScenario(expectation, result, notifications);
      return {
        passed: verdict.passed,
        problems: verdict.problems,
        reportStatus: verdict.report?.status,
        checks: (verdict.report?.checks ?? []).map(({ name, status, detail }) => ({ name, status, detail })),
      };
    },
  };
}

export const VALIDATE_DRILL_SCENARIOS: readonly DrillScenario[] = [
  validateScenario('healthy', 'Healthy platform', HEALTHY),
  validateScenario('node-not-ready', 'Node NotReady', unhealthy('nodes', 'FAILED'), (lakehouse) =>
    lakehouse.faults.nodeNotReady(),
  ),
  validateScenario(
    'minio-pod-down',
    'MinIO pod down (crash loop)',
    unhealthy('minio-statefulset', 'FAILED'),
    (lakehouse) => lakehouse.faults.minioPodDown(),
  ),
  validateScenario(
    'prefect-worker-unavailable',
    'Prefect worker Deployment unavailable (image missing)',
    unhealthy('prefect', 'FAILED'),
    (lakehouse) => lakehouse.faults.prefectWorkerUnavailable(),
  ),
  validateScenario(
    'kubernetes-api-flaky',
    'Kubernetes API flaky (503s)',
    { ...HEALTHY, retried: true },
    (lakehouse) => lakehouse.faults.kubernetesApiFlaky(FLAKY_REQUESTS),
  ),
  validateScenario(
    'minio-s3-down',
    'MinIO S3 endpoint down',
    unhealthy('minio-s3-probe', 'ERROR'),
    (lakehouse) => lakehouse.faults.minioS3Down(),
  ),
  validateScenario('healthy-again', 'Healthy again once every injected fault is undone', HEALTHY),
];

/** Something a scenario breaks and must put back, which its evaluation also needs to see. */
export interface DrillFixture {
  repair(): Promise<void>;
}

/**
 * A scenario whose fault is a fixture its evaluation reads (which copy was corrupted, what a
 * deleted prefix held). The drill runs scenarios one at a time (inject, run, evaluate, repair), so
 * the fixture of the current run is the one evaluate gets.
 */
export function scenarioWithFixture<Fixture extends DrillFixture>(
  spec: Omit<DrillScenario, 'inject' | 'evaluate' | 'run'> & {
    inject(lakehouse: LocalLakehouse): Promise<Fixture>;
    /** DrillScenario's `run`, with the fixture the inject made. */
    run?(context: Omit<DrillRunContext, 'notifications'>, fixture: Fixture): Promise<ExecutionResult>;
    evaluate(
      result: ExecutionResult,
      context: DrillRunContext,
      fixture: Fixture,
    ): ScenarioVerdict | Promise<ScenarioVerdict>;
  },
): DrillScenario {
  let fixture: Fixture | undefined;
  const current = (phase: string): Fixture => {
    if (!fixture) throw new Error(`drill scenario ${spec.id} was ${phase} before its fixture was set up`);
    return fixture;
  };
  const { run, inject, evaluate, ...scenario } = spec;
  return {
    ...scenario,
    inject: async (lakehouse) => {
      const injected = await inject(lakehouse);
      fixture = injected;
      return () => injected.repair();
    },
    ...(run ? { run: async (context) => run(context, current('run')) } : {}),
    evaluate: (result, context) => evaluate(result, context, current('evaluated')),
  };
}
