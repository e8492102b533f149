import { namedError } from '../../commons/errors.ts';

/**
 * The provision workflow's failures, by the names its Catch states and runbook use. Each carries
 * in `details` what an operator needs to act: the objects, their status, what was done before.
 */

/** A workload did not roll out before the stage's deadline, or failed outright (details.workloads). */
export class RolloutFailedError extends namedError('RolloutFailedError') {}

/** The EKS cluster is not ACTIVE (creating, updating, failed): nothing can be applied to it. */
export class ClusterNotActiveError extends namedError('ClusterNotActiveError') {}

/** A node group did not reach ACTIVE at its configured size in time, or is in a failed state. */
export class NodeGroupNotReadyError extends namedError('NodeGroupNotReadyError') {}

/** A node group is missing and no sibling exists to copy its subnets and node role from. */
export class NodeGroupCreationError extends namedError('NodeGroupCreationError') {}
