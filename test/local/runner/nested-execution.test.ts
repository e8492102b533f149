import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../../local/runner/execution-result.ts';
import {
  isNestedExecution,
  type LocalStateMachine,
  nestedExecutionHandler,
} from '../../../local/runner/nested-execution.ts';

const child: LocalStateMachine = {
  logicalId: 'ChildStateMachine',
  workflow: 'validate-platform',
  stateMachineArn:
    'arn:aws:states:eu-central-1:000000000000:stateMachine:lakehouse-ops-test-validate-platform',
};
const machines = new Map([[child.logicalId, child]]);
const outcome = (result: Partial<ExecutionResult>): ExecutionResult => ({
  workflow: 'validate-platform',
  status: 'SUCCEEDED',
  durationMs: 5,
  timeline: [],
  ...result,
});

describe('nestedExecutionHandler', () => {
  it('recognises the synchronous startExecution integrations only', () => {
    expect(isNestedExecution('arn:aws:states:::states:startExecution.sync:2')).toBe(true);
    expect(isNestedExecution('arn:aws:states:::states:startExecution.sync')).toBe(true);
    expect(isNestedExecution('arn:aws:states:::states:startExecution')).toBe(false);
  });

  it('runs the child workflow with the input and answers with its output parsed, as .sync:2 does', async () => {
    const runs: unknown[] = [];
    const handler = nestedExecutionHandler(
      'arn:aws:states:::states:startExecution.sync:2',
      machines,
      async (workflow, input) => {
        runs.push({ workflow, input });
        return outcome({ output: { status: 'HEALTHY' } });
      },
    );

    const result = await handler({ StateMachineArn: child.stateMachineArn, Input: { suite: 'full' } });

    expect(runs).toEqual([{ workflow: 'validate-platform', input: { suite: 'full' } }]);
    expect(result).toMatchObject({
      Status: 'SUCCEEDED',
      Output: { status: 'HEALTHY' },
      StateMachineArn: child.stateMachineArn,
      ExecutionArn: expect.stringMatching(/:execution:lakehouse-ops-test-validate-platform:/),
    });
  });

  it('gives the output as a string for .sync', async () => {
    const handler = nestedExecutionHandler(
      'arn:aws:states:::states:startExecution.sync',
      machines,
      async () => outcome({ output: { status: 'HEALTHY' } }),
    );
    expect(await handler({ StateMachineArn: child.stateMachineArn, Input: '{}' })).toMatchObject({
      Output: '{"status":"HEALTHY"}',
    });
  });

  it("fails with States.TaskFailed carrying the child's error and cause when the child fails", async () => {
    const handler = nestedExecutionHandler(
      'arn:aws:states:::states:startExecution.sync:2',
      machines,
      async () => outcome({ status: 'FAILED', error: 'PlatformUnhealthy', cause: '{"status":"UNHEALTHY"}' }),
    );
    const failure = await handler({ StateMachineArn: child.stateMachineArn, Input: {} }).catch(
      (error: Error) => error,
    );

    expect(failure).toMatchObject({ name: 'States.TaskFailed' });
    expect(JSON.parse((failure as Error).message)).toMatchObject({
      Status: 'FAILED',
      Error: 'PlatformUnhealthy',
      Cause: '{"status":"UNHEALTHY"}',
    });
  });

  it('refuses a state machine the stack does not define', async () => {
    const handler = nestedExecutionHandler(
      'arn:aws:states:::states:startExecution.sync:2',
      machines,
      async () => outcome({}),
    );
    await expect(
      handler({ StateMachineArn: 'arn:aws:states:eu-central-1:1:stateMachine:other' }),
    ).rejects.toThrow('not a state machine of this stack');
  });
});
