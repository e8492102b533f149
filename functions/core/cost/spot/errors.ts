import { namedError } from '../../../commons/errors.ts';

/**
 * The spot workflows' failures, by the names their Catch states and runbook use. Each carries in
 * `details` what an operator needs to act on.
 */

/**
 * The preflight said no: the pool does not exist, is on-demand only (stateful tier), its instance
 * types are too few or of mixed architectures, or its node groups are not in a state a migration
 * can start from. Nothing was changed.
 */
export class SpotMigrationRefusedError extends namedError('SpotMigrationRefusedError') {}

/**
 * The old node group cannot be retired: some of its nodes still hold pods that must be evicted
 * first (a node joined it after the drain, or a drain was interrupted). Nothing was forced; a
 * re-run drains them.
 */
export class SpotSourceNotDrainedError extends namedError('SpotSourceNotDrainedError') {}

/** A node group did not reach the awaited state (Ready nodes, deleted) before the deadline. */
export class SpotNodeGroupTimeoutError extends namedError('SpotNodeGroupTimeoutError') {}
