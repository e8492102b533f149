import type { Duration } from 'aws-cdk-lib';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Node } from 'constructs';
import { renderedDefinition } from './rendered-definition.ts';
import type { Workflow } from './workflow.ts';
import {
  formatSeconds,
  topContributors,
  type WorstCase,
  type WorstCaseBounds,
  worstCaseDuration,
} from './worst-case-duration.ts';

export interface WorstCaseBudget {
  /** The most the workflow may take, e.g. the environment's RTO. */
  readonly budget: Duration;
  /** What the budget is, for the synth error: "RTO of production". */
  readonly label: string;
  /** The workflow's declared bounds (loops, input times, Maps, nested executions). */
  readonly bounds?: WorstCaseBounds;
}

/** The worst-case duration of a workflow's state machine as it renders now. */
export function worstCaseOf(workflow: Workflow | StateMachine, bounds: WorstCaseBounds = {}): WorstCase {
  return worstCaseDuration(renderedDefinition(stateMachineOf(workflow)), bounds);
}

/**
 * Fails `cdk synth` when the workflow's worst case exceeds the budget, or cannot be bounded. The
 * check runs at validation, after the whole app is built, so it sees the final definition.
 */
export function requireWorstCaseWithin(workflow: Workflow | StateMachine, budget: WorstCaseBudget): void {
  Node.of(workflow).addValidation({
    validate: () => {
      const limit = budget.budget.toSeconds();
      const subject = `${budget.label}: ${stateMachineOf(workflow).node.path}`;
      let worstCase: WorstCase;
      try {
        worstCase = worstCaseOf(workflow, budget.bounds);
      } catch (error) {
        return [
          `${subject} cannot be checked against its budget of ${formatSeconds(limit)}: ${(error as Error).message}`,
        ];
      }
      if (worstCase.totalSeconds <= limit) return [];
      const contributors = topContributors(worstCase)
        .map((step) => `${step.state} ${formatSeconds(step.seconds)} (${step.detail})`)
        .join('; ');
      return [
        `${subject} may take ${formatSeconds(worstCase.totalSeconds)} in the worst case, over its budget of ${formatSeconds(limit)}. Top contributors: ${contributors}`,
      ];
    },
  });
}

function stateMachineOf(workflow: Workflow | StateMachine): StateMachine {
  return workflow instanceof StateMachine ? workflow : workflow.stateMachine;
}
