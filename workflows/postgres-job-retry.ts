import { Duration } from 'aws-cdk-lib';
import type { TaskStateBase } from 'aws-cdk-lib/aws-stepfunctions';

/**
 * A Lambda that runs a PostgreSQL Job waits for it up to 10 minutes (functions/core/postgres/job-run.ts),
 * then throws PostgresJobTimeoutError, while the Job itself may run for its activeDeadlineSeconds
 * (3600 s). The Job is named after its run (restore and verify Jobs also after their execution,
 * functions/core/postgres/execution-names.ts) and submitJob adopts a same-named Job with the same
 * target, so each retry re-attaches to the running Job instead of starting a second one: six
 * attempts of 10 minutes cover the Job's hour.
 */
export const POSTGRES_JOB_TIMEOUT_ERROR = 'PostgresJobTimeoutError';

export function retryWhilePostgresJobRuns(task: TaskStateBase): void {
  task.addRetry({
    errors: [POSTGRES_JOB_TIMEOUT_ERROR],
    interval: Duration.seconds(5),
    maxAttempts: 5,
    backoffRate: 1,
  });
}
