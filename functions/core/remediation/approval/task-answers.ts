import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callAws } from '../../../commons/transient-errors.ts';

/**
 * The answer to a waiting `.waitForTaskToken` Task: SendTaskSuccess with the Task's result, or
 * SendTaskFailure with the error a Catch matches. Locally the same client reaches aws-sim's Step
 * Functions API (AWS_ENDPOINT_URL_SFN), which answers the runner's parked Task.
 */
export interface TaskAnswers {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/**
 * Step Functions' answers when the execution no longer waits on the token: it timed out
 * (TaskTimedOut), stopped or already had its answer (TaskDoesNotExist), or never issued it
 * (InvalidToken). None of them passes on a retry.
 */
export const TASK_GONE_ERRORS: ReadonlySet<string> = new Set([
  'TaskTimedOut',
  'TaskDoesNotExist',
  'InvalidToken',
]);

export function taskGoneError(error: unknown): string | undefined {
  const name = (error as Error | undefined)?.name;
  return typeof name === 'string' && TASK_GONE_ERRORS.has(name) ? name : undefined;
}

/** SendTaskFailure's limits: longer texts are refused, so they are cut here. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

export function stepFunctionsTaskAnswers(sfn: SFNClient): TaskAnswers {
  return {
    async succeed(taskToken, output) {
      await callAws('states:SendTaskSuccess', () =>
        sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
      );
    },
    async fail(taskToken, error, cause) {
      await callAws('states:SendTaskFailure', () =>
        sfn.send(
          new SendTaskFailureCommand({
            taskToken,
            error: error.slice(0, MAX_ERROR_LENGTH),
            cause: cause.slice(0, MAX_CAUSE_LENGTH),
          }),
        ),
      );
    },
  };
}
