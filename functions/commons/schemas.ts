import * as z from 'zod/mini';

/**
 * Schema building blocks that the Lambda schemas share. Lambda code uses zod/mini (see
 * docs/architecture.md), whose functional API makes the common cases wordier than classic zod's
 * chains; these keep them one call.
 */

/** A string with at least one character (classic zod's `z.string().min(1)`). */
export function nonEmptyString(): z.ZodMiniString<string> {
  return z.string().check(z.minLength(1));
}
