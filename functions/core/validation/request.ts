import * as z from 'zod';

/**
 * The validate-platform workflow input. Operators type it in the console, so unknown keys are
 * rejected: `{"notfy": false}` must fail loudly rather than send a notification anyway.
 */
export const validatePlatformRequestSchema = z.strictObject({
  /** Only the full suite exists today; the enum leaves room for cheaper suites later. */
  suite: z.enum(['full']).default('full'),
  notify: z.boolean().default(true),
  requestedBy: z.string().min(1).default('console'),
});
export type ValidatePlatformRequest = z.output<typeof validatePlatformRequestSchema>;
