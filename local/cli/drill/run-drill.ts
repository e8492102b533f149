import type { CheckResult } from '../../../functions/core/validation/check-result.ts';
import type { PublishedNotification } from '../../aws-sim/sns.ts';
import { startLocalLakehouse } from '../../lakehouse/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { loadWorkflows } from '../../runner/workflows.ts';
import { evaluateScenario } from './evaluate.ts';
import { DRILL_SCENARIOS, type DrillScenario } from './scenarios.ts';

/**
 * `lakehouse-ops drill`: starts the local lakehouse, builds the workflows from the synthesized
 * stack, and runs validate-platform once per scenario, restoring each fault before the next.
 */
export interface ScenarioOutcome {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly reportStatus?: string;
  readonly checks: readonly Pick<CheckResult, 'name' | 'status' | 'detail'>[];
  readonly notifications: readonly PublishedNotification[];
  readonly execution: ExecutionResult;
}

export interface DrillReport {
  readonly passed: boolean;
  readonly durationMs: number;
  readonly startup: { readonly lakehouseMs: number; readonly workflowsMs: number };
  readonly scenarios: readonly ScenarioOutcome[];
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
  | { readonly kind: 'scenario-finished'; readonly outcome: ScenarioOutcome };

export const DRILL_WORKFLOW = 'validate-platform';
const DRILL_INPUT = { requestedBy: 'lakehouse-ops-drill', notify: true };

export async function runDrill(options: DrillOptions = {}): Promise<DrillReport> {
  const started = Date.now();
  const lakehouse = await startLocalLakehouse();
  try {
    const lakehouseMs = Date.now() - started;
    options.onProgress?.({ kind: 'lakehouse-started', ms: lakehouseMs });
    const workflows = await loadWorkflows({
      environment: options.environment,
      localEnvironment: lakehouse.environment,
    });
    const workflowsMs = Date.now() - started - lakehouseMs;
    options.onProgress?.({ kind: 'workflows-loaded', ms: workflowsMs });

    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of options.scenarios ?? DRILL_SCENARIOS) {
      const publishedBefore = lakehouse.published.length;
      const restore = await scenario.inject?.(lakehouse);
      let execution: ExecutionResult;
      try {
        execution = await workflows.runWorkflow(DRILL_WORKFLOW, DRILL_INPUT);
      } finally {
        await restore?.();
      }
      const notifications = lakehouse.published.slice(publishedBefore);
      const verdict = evaluateScenario(scenario.expectation, execution, notifications);
      const outcome: ScenarioOutcome = {
        id: scenario.id,
        title: scenario.title,
        passed: verdict.passed,
        problems: verdict.problems,
        reportStatus: verdict.report?.status,
        checks: (verdict.report?.checks ?? []).map(({ name, status, detail }) => ({ name, status, detail })),
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
    };
  } finally {
    await lakehouse.stop();
  }
}
