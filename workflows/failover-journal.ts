import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Chain,
  Choice,
  Condition,
  type IChainable,
  type INextable,
  JsonPath,
  Pass,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { JournalStep } from '../functions/core/dr/failover/steps.ts';
import { invokeOpsFunction } from '../infra/constructs/workflow.ts';

/**
 * The journaled step of dr-failover (docs/dr.md, "Step journal"): BeginXStep asks the journal to
 * start the step; a step recorded SUCCEEDED by an earlier execution is not run again, its recorded
 * result is put back where the step would have written it (ReuseXResult), so later steps read the
 * same state whether the step ran now or before. Otherwise the body runs and FinishXStep records its
 * result; a failure of the body is recorded FAILED (RecordXFailure) so that the next attempt runs
 * the step again, then goes wherever the journal was told failures go.
 */

/** Journal calls touch only the ops table: a short attempt, one retry of each kind. */
const JOURNAL_RETRIES = { transient: 1, lambdaService: 1 };

export interface FailoverJournalProps {
  /** record-failover-step. */
  readonly record: IFunction;
  /** One attempt of a journal call. */
  readonly callTimeout: Duration;
  /** Where a failed step goes, its error in $.failure (after the FAILED record, when there is one). */
  readonly onFailure: IChainable;
}

export interface JournaledStepProps {
  readonly step: JournalStep;
  /** PascalCase noun of the step's states: BeginFenceStep, FinishFenceStep... */
  readonly name: string;
  /** Where the step's result goes; that result is what the journal records and restores. */
  readonly resultPath: string;
  /** Longer than the step's worst case: past it, another execution may take a stopped step over. */
  readonly lease: Duration;
  /** The step's states, built with the tools that send its failures to the FAILED record. */
  readonly body: (tools: StepTools) => Chain;
}

export interface StepTools {
  /** Sends a task's errors to the FAILED record. */
  guard: (task: TaskStateBase) => void;
  /** A Choice that judges a result a failure and then records it FAILED. */
  failUnless: (requirement: StepRequirement) => Choice;
}

/**
 * A result the step must have to go on: a Choice goes to `next` when `condition` holds, otherwise
 * a Pass puts `failure` in $.failure and the step is recorded FAILED.
 */
export interface StepRequirement {
  /** The Choice's state name (IsXDone...). */
  readonly choice: string;
  readonly condition: Condition;
  readonly next: IChainable;
  readonly failure: {
    /** The Pass's state name. */
    readonly id: string;
    readonly error: string;
    /** Literal text or a JsonPath to the cause. */
    readonly cause: string;
  };
}

const failoverId = JsonPath.stringAt('$.failover.failoverId');
const owner = JsonPath.executionName;

export class FailoverJournal {
  constructor(
    private readonly scope: Construct,
    private readonly props: FailoverJournalProps,
  ) {}

  /** A journal call (open, close, ...) whose failure goes to onFailure. */
  call(id: string, payload: Record<string, unknown>, resultPath: string): TaskStateBase {
    const task = invokeOpsFunction(this.scope, id, this.props.record, {
      payload: TaskInput.fromObject(payload),
      resultPath,
      retries: JOURNAL_RETRIES,
      taskTimeout: this.props.callTimeout,
    });
    this.sendFailures(task);
    return task;
  }

  sendFailures(task: TaskStateBase): void {
    task.addCatch(this.props.onFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
  }

  step({ step, name, resultPath, lease, body }: JournaledStepProps): Chain {
    const journalEvent = (action: 'start' | 'finish', extra: Record<string, unknown>) => ({
      action,
      failoverId,
      step,
      owner,
      ...extra,
    });
    const begin = this.call(
      `Begin${name}Step`,
      journalEvent('start', { leaseSeconds: lease.toSeconds() }),
      '$.journal',
    );
    const finish = this.call(
      `Finish${name}Step`,
      journalEvent('finish', { outcome: 'SUCCEEDED', output: JsonPath.objectAt(resultPath) }),
      '$.journal',
    );
    const recordFailure = this.call(
      `Record${name}Failure`,
      journalEvent('finish', {
        outcome: 'FAILED',
        error: JsonPath.jsonToString(JsonPath.objectAt('$.failure')),
      }),
      '$.journal',
    );
    // The step's own error, not the journal's answer, is what the failure path reports.
    recordFailure.next(this.props.onFailure);
    const guard = (task: TaskStateBase) => {
      task.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    };
    const failUnless = ({ choice, condition, next, failure }: StepRequirement) => {
      const fail = new Pass(this.scope, failure.id, {
        parameters: { Error: failure.error, Cause: failure.cause },
        resultPath: '$.failure',
      });
      fail.next(recordFailure);
      return new Choice(this.scope, choice).when(condition, next).otherwise(fail);
    };
    const work = body({ guard, failUnless });
    work.next(finish);
    const reuse = new Pass(this.scope, `Reuse${name}Result`, {
      inputPath: '$.journal.step.output',
      resultPath,
    });
    begin.next(
      new Choice(this.scope, `Is${name}StepDone`)
        .when(Condition.booleanEquals('$.journal.skip', true), reuse)
        .otherwise(work),
    );
    const ends: INextable[] = [finish, reuse];
    return Chain.custom(begin, ends, finish);
  }
}
