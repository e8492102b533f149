import { createHash } from 'node:crypto';
import { type Nodegroup, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { callAws } from '../../../commons/transient-errors.ts';
import { type ClusterDependencies, describeNodeGroup, listNodeGroups } from '../../provision/cluster.ts';
import type { Snapshot } from './playbook.ts';

/**
 * The managed node groups as scale-node-group sees them: a small port over the EKS API (the same
 * calls provision makes, functions/core/provision/cluster.ts), so the playbook's decisions are
 * tested against any implementation and the drill runs the real adapter against aws-sim.
 */
export interface NodeGroupTaint {
  readonly key?: string;
  readonly value?: string;
  /** EKS spelling: NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE. */
  readonly effect?: string;
}

export interface NodeGroupState {
  readonly name: string;
  /** ACTIVE, UPDATING, CREATING, DEGRADED, ... */
  readonly status: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeGroupTaint[];
}

export interface NodeGroups {
  names(): Promise<string[]>;
  find(name: string): Promise<NodeGroupState | undefined>;
  /** Only the desired size changes; `requestToken` makes a retried request a no-op. */
  setDesiredSize(name: string, desiredSize: number, requestToken: string): Promise<void>;
}

function stateOf(name: string, group: Nodegroup): NodeGroupState {
  const scaling = group.scalingConfig ?? {};
  return {
    name,
    status: group.status ?? 'UNKNOWN',
    minSize: scaling.minSize ?? 0,
    maxSize: scaling.maxSize ?? 0,
    desiredSize: scaling.desiredSize ?? 0,
    labels: group.labels ?? {},
    taints: group.taints ?? [],
  };
}

export function nodeGroupSnapshot(group: NodeGroupState): Snapshot {
  const { name, status, minSize, maxSize, desiredSize } = group;
  return { kind: 'NodeGroup', name, status, minSize, maxSize, desiredSize };
}

/** EKS allows 64 characters; the same execution and group always give the same token. */
export function nodeGroupRequestToken(executionId: string, nodeGroup: string): string {
  return `lakehouse-ops-${createHash('sha256').update(`${executionId}/${nodeGroup}`).digest('hex').slice(0, 40)}`;
}

export function eksNodeGroups({ eks, clusterName }: ClusterDependencies): NodeGroups {
  return {
    names: () => listNodeGroups(eks, clusterName),
    async find(name) {
      try {
        return stateOf(name, await describeNodeGroup(eks, clusterName, name));
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
    async setDesiredSize(name, desiredSize, requestToken) {
      await callAws(`eks:UpdateNodegroupConfig ${clusterName}/${name}`, () =>
        eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName,
            nodegroupName: name,
            scalingConfig: { desiredSize },
            clientRequestToken: requestToken,
          }),
        ),
      );
    },
  };
}
