import { expect, it, vi } from 'vitest';
import type { LakehouseOpsError } from '../../../functions/commons/errors.ts';

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf<Failure = LakehouseOpsError>(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    return error as Failure;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * Fails unless the promise rejects with an error of this name (the one Step Functions Catch
 * matches) whose message contains every fragment; returns the error for further checks.
 */
export async function expectFailure(
  promise: Promise<unknown>,
  name: string,
  ...fragments: string[]
): Promise<LakehouseOpsError> {
  const error = await rejectionOf(promise);
  expect(error).toMatchObject({ name });
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

/**
 * Registers a test that the handler refuses its environment with a ConfigurationError naming
 * `variable` when the variable is `value` (unset when undefined); `invoke` calls the handler.
 */
export function itRefusesEnvironment(
  variable: string,
  value: string | undefined,
  invoke: () => Promise<unknown>,
  ...fragments: string[]
): void {
  const state = value === undefined ? 'is not set' : `is ${JSON.stringify(value)}`;
  it(`fails with ConfigurationError naming ${variable} when it ${state}`, async () => {
    vi.stubEnv(variable, value);

    await expectFailure(invoke(), 'ConfigurationError', variable, ...fragments);
  });
}
