import {
  awaitNodeGroups,
  type ClusterDependencies,
  ensureNodeGroups,
  type NodeGroupChange,
  type NodeGroupReadiness,
} from '../../provision/cluster.ts';
import { deadlineIn, type NodeGroupSpec } from '../../provision/settings.ts';

export interface DrNodeGroupsProgress {
  readonly changes: NodeGroupChange[];
  /** Until when the groups may take to be ready; pass it back on the next look. */
  readonly deadline: string;
  readonly readiness: NodeGroupReadiness;
}

/**
 * Scales the DR cluster's node groups to the failover's sizes and looks at their readiness, with
 * provision's reconciliation (a group already at its size is left `unchanged`, so the workflow
 * calls this again to wait, and a re-run changes nothing twice). The first call sets the deadline;
 * once it has passed with groups still not ready, NodeGroupNotReadyError.
 */
export async function scaleDrNodeGroups(
  dependencies: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
  { deadline }: { deadline?: string },
  timeoutSeconds: number,
  now: Date = new Date(),
): Promise<DrNodeGroupsProgress> {
  const changes = await ensureNodeGroups(dependencies, specs, false);
  const until = deadline ?? deadlineIn(timeoutSeconds, now);
  const readiness = await awaitNodeGroups(dependencies, specs, new Date(until), now);
  return { changes, deadline: until, readiness };
}
