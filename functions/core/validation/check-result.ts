import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/**
 * The result of one platform check: what every check Lambda returns and what the report collects.
 * PASSED/FAILED are verdicts about the platform; ERROR means the check itself could not run
 * (the workflow caught a Lambda error), which is also a failure of the suite.
 */
export const checkStatusSchema = z.enum(['PASSED', 'FAILED', 'ERROR']);
export type CheckStatus = z.infer<typeof checkStatusSchema>;

export const checkResultSchema = z.object({
  name: nonEmptyString(),
  status: checkStatusSchema,
  detail: z.string(),
  durationMs: z.number().check(z.int(), z.nonnegative()),
  /** Structured evidence (counts, names of unhealthy objects) for the runbook and the notification. */
  observations: z._default(z.record(z.string(), z.unknown()), {}),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const CHECK_NAMES = [
  'eks-cluster',
  'nodes',
  'prefect',
  'minio-statefulset',
  'minio-s3-probe',
  's5cmd-executor',
  'monitoring',
] as const;
export type HealthCheckName = (typeof CHECK_NAMES)[number];

/**
 * The performance mode's checks (the workflow input's `performance: true`): each measures one
 * number and compares it with the environment's threshold, so a slow platform reads as FAILED.
 */
export const PERFORMANCE_CHECK_NAMES = ['s5cmd-throughput', 'prefect-api-latency', 'flow-run-burst'] as const;
export type PerformanceCheckName = (typeof PERFORMANCE_CHECK_NAMES)[number];

export type CheckName = HealthCheckName | PerformanceCheckName;
