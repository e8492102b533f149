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
export type CheckName = (typeof CHECK_NAMES)[number];
