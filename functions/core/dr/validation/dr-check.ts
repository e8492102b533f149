import { describeError } from '../../../commons/errors.ts';
import type { CheckResult } from '../../validation/check-result.ts';

/** One check of the DR side: a verdict an operator can act on, never an exception. */
export interface DrCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/**
 * Runs a check; one that cannot run (an API that refuses or does not answer) fails with the reason,
 * because "could not tell" must not read as healthy on the day of a failover.
 */
export async function runDrCheck(
  name: string,
  check: () => Promise<Omit<DrCheck, 'name'>>,
): Promise<DrCheck> {
  try {
    return { name, ...(await check()) };
  } catch (error) {
    return {
      name,
      passed: false,
      detail: `the ${name} check could not be evaluated: ${describeError(error)}`,
    };
  }
}

/** validate-platform's verdict (PASSED / FAILED) as a DR check. */
export function fromPlatformCheck(result: CheckResult): Omit<DrCheck, 'name'> {
  return { passed: result.status === 'PASSED', detail: result.detail };
}
