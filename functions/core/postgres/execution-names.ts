import { createHash } from 'node:crypto';

/**
 * A short, stable tag of a Step Functions execution for the names of the pg-tools Jobs and scratch
 * databases it creates. A Job named after its execution is re-attached by a retried Lambda of the
 * same execution (submitJob adopts a Job of that name), while a later execution gets a fresh Job
 * instead of adopting the finished one of an earlier execution, which Kubernetes keeps for a day.
 */
export function executionTag(executionId: string): string {
  return createHash('sha256').update(executionId).digest('hex').slice(0, 10);
}
