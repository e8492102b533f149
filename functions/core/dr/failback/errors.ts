import { namedError } from '../../../commons/errors.ts';

/**
 * dr-failback's refusals, by the names its Catch states use (docs/dr.md, "Failback"). Each carries
 * in `details` what an operator needs to act.
 */

/**
 * A full pass still found differences between the replica and MinIO (copies to make, deletes to
 * make, conflicts to settle by hand): switching back now would lose what the DR side wrote.
 * `details` has the pass's counts and the first conflicting keys.
 */
export class FailbackDiffNotEmptyError extends namedError('FailbackDiffNotEmptyError') {}

/** The failover to fail back is not open, or is of another mode than the request. */
export class FailbackNotPossibleError extends namedError('FailbackNotPossibleError') {}
