import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/**
 * The validate-platform workflow input. Operators type it in the console, so unknown keys are
 * rejected: `{"notfy": false}` must fail loudly rather than send a notification anyway.
 */
export const validatePlatformRequestSchema = z.strictObject({
  /** Only the full suite exists today; the enum leaves room for cheaper suites later. */
  suite: z._default(z.enum(['full']), 'full'),
  notify: z._default(z.boolean(), true),
  requestedBy: z._default(nonEmptyString(), 'console'),
  /**
   * Also measure the platform against the environment's performance thresholds (s5cmd throughput,
   * Prefect API latency, a burst of flow runs). Off by default: it puts load on the platform.
   */
  performance: z._default(z.boolean(), false),
});
export type ValidatePlatformRequest = z.output<typeof validatePlatformRequestSchema>;
