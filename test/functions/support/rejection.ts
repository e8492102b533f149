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
