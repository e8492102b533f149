import { type Job, type Pod, setCondition } from '../model.ts';
import { TYPES } from '../resources.ts';
import {
  type ControllerContext,
  conditionIsTrue,
  createPodFromTemplate,
  deletePod,
  isActive,
  isReady,
  podsControlledBy,
  writeStatus,
} from './context.ts';

/**
 * Job -> Pods that run to completion: keeps `parallelism` pods running until `completions` have
 * succeeded (condition Complete), or gives up once more than `backoffLimit` have failed
 * (condition Failed, reason BackoffLimitExceeded). A suspended Job runs no pods.
 */
function isFinished(job: Job): boolean {
  return (
    conditionIsTrue(job.status?.conditions, 'Complete') || conditionIsTrue(job.status?.conditions, 'Failed')
  );
}

function reconcile(context: ControllerContext, job: Job): void {
  const spec = job.spec;
  const pods = podsControlledBy(context, job);
  const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').length;
  const failed = pods.filter((pod) => pod.status?.phase === 'Failed').length;
  let active: Pod[] = pods.filter(isActive);
  const completions = spec.completions ?? 1;
  const now = context.now();
  let conditions = job.status?.conditions;
  let completionTime: string | undefined;

  if (failed > (spec.backoffLimit ?? 6)) {
    for (const pod of active) deletePod(context, pod);
    active = [];
    conditions = setCondition(
      conditions,
      {
        type: 'FailureTarget',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
      now,
    );
    conditions = setCondition(
      conditions,
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
      now,
    );
  } else if (succeeded >= completions) {
    completionTime = now;
    conditions = setCondition(
      conditions,
      {
        type: 'SuccessCriteriaMet',
        status: 'True',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
      now,
    );
    conditions = setCondition(
      conditions,
      {
        type: 'Complete',
        status: 'True',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
      now,
    );
  } else if (spec.suspend) {
    for (const pod of active) deletePod(context, pod);
    active = [];
    conditions = setCondition(
      conditions,
      { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
      now,
    );
  } else {
    const wanted = Math.min(spec.parallelism ?? 1, completions - succeeded) - active.length;
    for (let index = 0; index < wanted; index += 1) {
      active.push(
        createPodFromTemplate(context, job, spec.template, { generateName: `${job.metadata.name}-` }),
      );
    }
    if (conditions?.some((condition) => condition.type === 'Suspended')) {
      conditions = setCondition(
        conditions,
        { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
        now,
      );
    }
  }

  writeStatus(context, TYPES.job, job, {
    ...(spec.suspend && !job.status?.startTime ? {} : { startTime: job.status?.startTime ?? now }),
    ...(completionTime ? { completionTime } : {}),
    active: active.length,
    ready: active.filter(isReady).length,
    succeeded,
    failed,
    terminating: 0,
    ...(conditions ? { conditions } : {}),
  });
}

export function reconcileJobs(context: ControllerContext): void {
  for (const job of context.api.list(TYPES.job) as Job[]) {
    if (!job.metadata.deletionTimestamp && !isFinished(job)) reconcile(context, job);
  }
}
