import { namedError } from '../../../commons/errors.ts';

/**
 * The step journal's refusals (./journal.ts). Workflows Catch on these names: a failover that is
 * not there or is closed cannot take steps, and a step another execution is running must not run twice.
 */

/** No failover of that id in this environment. */
export class FailoverNotFoundError extends namedError('FailoverNotFoundError') {}

/** The failover was completed or abandoned: its journal takes no more steps. */
export class FailoverClosedError extends namedError('FailoverClosedError') {}

/**
 * An unfinished failover of another mode is open in this environment (a drill half-way when a
 * real failover is asked for, or the reverse): continue it in its own mode, or abandon it first.
 */
export class UnfinishedFailoverError extends namedError('UnfinishedFailoverError') {}

/**
 * Another execution is running this step and its lease has not expired
 * (`details.holder`, `details.leaseExpiresAt`, `details.retryAfterSeconds`): wait, never run it too.
 */
export class FailoverStepInProgressError extends namedError('FailoverStepInProgressError') {}

/**
 * A step's finish does not match its journal: it was never started, or another execution took it
 * over after this one's lease expired. Nothing was written.
 */
export class FailoverStepConflictError extends namedError('FailoverStepConflictError') {}
