import type { CheckResult } from '../../../functions/core/validation/check-result.ts';
import type { PublishedNotification } from '../../aws-sim/sns.ts';
import { CAPABILITY_NEEDS, type LakehouseCapabilities, startLocalLakehouse } from '../../lakehouse/index.ts';
import { stopOnSignal } from '../../lakehouse/stop-on-signal.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { type LocalReplication, startLocalReplication } from '../../runner/replication.ts';
import { loadWorkflows } from '../../runner/workflows.ts';
import { FIRST_BACKUP_SCENARIO, UNCHANGED_BACKUP_SCENARIO } from './backup-scenarios.ts';
import { COST_DRILL_SCENARIOS } from './cost-scenarios.ts';
import { DR_DRILL_SCENARIOS } from './dr-scenarios.ts';
import { PROVISION_DRILL_SCENARIOS } from './provision-scenarios.ts';
import { REMEDIATION_DRILL_SCENARIOS } from './remediation-scenarios.ts';
import { RESTORE_DRILL_SCENARIOS } from './restore-scenarios.ts';
import { type DrillScenario, type ScenarioVerdict, VALIDATE_DRILL_SCENARIOS } from './scenarios.ts';
import { VERIFY_BACKUP_DRILL_SCENARIOS } from './verify-backup-scenarios.ts';

/**
 * `lakehouse-ops drill`: starts the local lakehouse, builds the workflows from the synthesized
 * stack, and runs each scenario's workflow once: inject its fault, run, judge, repair the fault
 * before the next (after the verdict, so a scenario can judge what the workflow left behind).
 * Scenarios of a workflow the stack does not define (yet) are skipped, and the drill says so.
 */
export const DRILL_SCENARIOS: readonly DrillScenario[] = [
  ...VALIDATE_DRILL_SCENARIOS,
  // In order: each later scenario works on the backups the first one takes.
  FIRST_BACKUP_SCENARIO,
  ...VERIFY_BACKUP_DRILL_SCENARIOS,
  UNCHANGED_BACKUP_SCENARIO,
  ...RESTORE_DRILL_SCENARIOS,
  // On the backups verified above; they leave the primary up, unfenced, and the DR side at standby.
  ...DR_DRILL_SCENARIOS,
  // Alerts from a real Prometheus about the seeded platform, before provision replaces it.
  ...REMEDIATION_DRILL_SCENARIOS,
  ...COST_DRILL_SCENARIOS,
  // Last: they replace the seeded platform with the one cluster-manifests describes.
  ...PROVISION_DRILL_SCENARIOS,
];

export interface ScenarioOutcome {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly reportStatus?: string;
  readonly checks: readonly Pick<CheckResult, 'name' | 'status' | 'detail'>[];
  readonly details: readonly string[];
  readonly notifications: readonly PublishedNotification[];
  readonly execution: ExecutionResult;
}

export interface DrillReport {
  readonly passed: boolean;
  readonly durationMs: number;
  readonly startup: { readonly lakehouseMs: number; readonly workflowsMs: number };
  readonly scenarios: readonly ScenarioOutcome[];
  /** Scenarios not run: the stack has no such workflow, or the lakehouse lacks what it needs. */
  readonly skipped: readonly { readonly id: string; readonly workflow: string; readonly reason: string }[];
}

export interface DrillOptions {
  readonly scenarios?: readonly DrillScenario[];
  readonly environment?: string;
  /** Progress for the text output: called as each phase completes. */
  readonly onProgress?: (event: DrillProgress) => void;
}

export type DrillProgress =
  | { readonly kind: 'lakehouse-started'; readonly ms: number }
  | { readonly kind: 'workflows-loaded'; readonly ms: number }
  | { readonly kind: 'scenarios-skipped'; readonly reason: string; readonly ids: readonly string[] }
  | { readonly kind: 'scenario-finished'; readonly outcome: ScenarioOutcome };

export async function runDrill(options: DrillOptions = {}): Promise<DrillReport> {
  const started = Date.now();
  const scenarios = options.scenarios ?? DRILL_SCENARIOS;
  const lakehouse = await startLocalLakehouse({
    monitoring: scenarios.some((scenario) => scenario.requires?.includes('monitoring')),
    // Continuous replication runs underneath every scenario, as it does in a deployed environment.
    replication: true,
    // The standby cluster, the hosted zone and the DR Prefect, for the DR scenarios.
    drSide: scenarios.some((scenario) => scenario.workflow.startsWith('dr-')),
  });
  const forgetSignals = stopOnSignal(lakehouse);
  let replication: LocalReplication | undefined;
  try {
    const lakehouseMs = Date.now() - started;
    options.onProgress?.({ kind: 'lakehouse-started', ms: lakehouseMs });
    const workflows = await loadWorkflows({
      environment: options.environment,
      localEnvironment: lakehouse.environment,
      // Approve-first Tasks park where the approval links (aws-sim's Step Functions) answer them.
      taskTokens: lakehouse.taskTokens,
      lambdaService: lakehouse.awsSim.lambda,
    });
    replication = await startLocalReplication({ workflows, webhook: lakehouse.replicationWebhook });
    const workflowsMs = Date.now() - started - lakehouseMs;
    options.onProgress?.({ kind: 'workflows-loaded', ms: workflowsMs });

    const environment = options.environment ?? DEFAULT_ENVIRONMENT;
    const skipped = scenarios.flatMap((scenario) => {
      const reason = whyNotRunnable(scenario, workflows.names, lakehouse.capabilities);
      return reason ? [{ id: scenario.id, workflow: scenario.workflow, reason }] : [];
    });
    const runnable = scenarios.filter((scenario) => !skipped.some((skip) => skip.id === scenario.id));
    for (const reason of new Set(skipped.map((skip) => skip.reason))) {
      const ids = skipped.filter((skip) => skip.reason === reason).map((skip) => skip.id);
      options.onProgress?.({ kind: 'scenarios-skipped', reason, ids });
    }

    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of runnable) {
      const publishedBefore = lakehouse.published.length;
      const repair = await scenario.inject?.(lakehouse);
      let execution: ExecutionResult;
      let notifications: readonly PublishedNotification[];
      let verdict: ScenarioVerdict;
      try {
        execution = scenario.run
          ? await scenario.run({ lakehouse, workflows, replication })
          : await workflows.runWorkflow(scenario.workflow, scenarioInput(scenario, environment));
        notifications = lakehouse.published.slice(publishedBefore);
        verdict = await scenario.evaluate(execution, { lakehouse, workflows, notifications, replication });
      } finally {
        await repair?.();
      }
      const outcome: ScenarioOutcome = {
        id: scenario.id,
        title: scenario.title,
        passed: verdict.passed,
        problems: verdict.problems,
        reportStatus: verdict.reportStatus,
        checks: verdict.checks ?? [],
        details: verdict.details ?? [],
        notifications,
        execution,
      };
      outcomes.push(outcome);
      options.onProgress?.({ kind: 'scenario-finished', outcome });
    }
    return {
      passed: outcomes.every((outcome) => outcome.passed),
      durationMs: Date.now() - started,
      startup: { lakehouseMs, workflowsMs },
      scenarios: outcomes,
      skipped,
    };
  } finally {
    forgetSignals();
    await replication?.stop();
    await lakehouse.stop();
  }
}

const DEFAULT_ENVIRONMENT = 'development';

function scenarioInput(scenario: DrillScenario, environment: string): unknown {
  return typeof scenario.input === 'function' ? scenario.input({ environment }) : scenario.input;
}

function whyNotRunnable(
  scenario: DrillScenario,
  workflowNames: readonly string[],
  capabilities: LakehouseCapabilities,
): string | undefined {
  if (!workflowNames.includes(scenario.workflow))
    return `the synthesized stack has no ${scenario.workflow} workflow`;
  const missing = (scenario.requires ?? []).filter((capability) => !capabilities[capability]);
  if (missing.length > 0)
    return `needs ${missing.map((capability) => CAPABILITY_NEEDS[capability]).join('; ')}: not installed on this machine`;
  return undefined;
}
