import { type NodePoolName, POOL_LABEL } from '../../../../cluster-manifests/src/scheduling.ts';
import type { CapacityType } from './request.ts';

/**
 * Which pools may run on spot. The stateful tier never does (cluster-manifests/src/scheduling.ts
 * pins it there): a reclaimed storage node takes a MinIO drive or the PostgreSQL volume's
 * attachment with it, and a reclaimed system node a Prefect server replica and the monitoring.
 */
export { POOL_LABEL };

export const ON_DEMAND_ONLY_POOLS: Readonly<Partial<Record<NodePoolName, string>>> = {
  storage:
    'the storage pool runs MinIO and PostgreSQL (the stateful tier): a spot reclaim would take a MinIO drive or the database volume with the node',
  system:
    'the system pool runs the Prefect server, the monitoring and the controllers: two reclaims at once would take the API below its PodDisruptionBudget',
};

/** Why `pool` may not move to spot, or undefined when it may. */
export function spotRefusal(pool: string): string | undefined {
  return ON_DEMAND_ONLY_POOLS[pool as NodePoolName];
}

/** The name of the group a migration creates: the pool and its capacity type (`compute-spot`). */
export function migrationGroupName(pool: string, capacityType: CapacityType): string {
  return `${pool}-${capacityType === 'SPOT' ? 'spot' : 'on-demand'}`;
}

/**
 * Set on the Nodes a migration cordons, so that a reversed or resumed run uncordons exactly those
 * (and never a node someone else cordoned for a reason of their own).
 */
export const CORDONED_BY_ANNOTATION = 'lakehouse-ops.io/cordoned-by';
export const CORDONED_BY_MIGRATION = 'spot-migration';
