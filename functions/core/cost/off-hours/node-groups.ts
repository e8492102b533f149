import { type Nodegroup, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { TransientError } from '../../../commons/errors.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { type ClusterDependencies, describeNodeGroup, listNodeGroups } from '../../provision/cluster.ts';
import type { NodeGroupSize } from './saved-state.ts';

/**
 * The managed node groups as off-hours sees them: a small port over the EKS API (the calls
 * provision makes, functions/core/provision/cluster.ts) that sets all three sizes at once, because
 * sleep lowers the minimum and wake must give back exactly min, desired and max.
 */
export interface OffHoursNodeGroup extends NodeGroupSize {
  readonly name: string;
  /** ACTIVE, UPDATING, DEGRADED, ... */
  readonly status: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface NodeGroupControl {
  list(): Promise<OffHoursNodeGroup[]>;
  find(name: string): Promise<OffHoursNodeGroup | undefined>;
  /** `requestToken` makes a retried request a no-op. */
  resize(name: string, size: NodeGroupSize, requestToken: string): Promise<void>;
}

function nodeGroupOf(name: string, group: Nodegroup): OffHoursNodeGroup {
  const scaling = group.scalingConfig ?? {};
  return {
    name,
    status: group.status ?? 'UNKNOWN',
    minSize: scaling.minSize ?? 0,
    desiredSize: scaling.desiredSize ?? 0,
    maxSize: scaling.maxSize ?? 0,
    labels: group.labels ?? {},
  };
}

export function eksNodeGroupControl({ eks, clusterName }: ClusterDependencies): NodeGroupControl {
  const find = async (name: string) => {
    try {
      return nodeGroupOf(name, await describeNodeGroup(eks, clusterName, name));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  return {
    async list() {
      const groups = await Promise.all((await listNodeGroups(eks, clusterName)).map(find));
      return groups.filter((group): group is OffHoursNodeGroup => group !== undefined);
    },
    find,
    async resize(name, { minSize, desiredSize, maxSize }, requestToken) {
      const operation = `eks:UpdateNodegroupConfig ${clusterName}/${name}`;
      try {
        await callAws(operation, () =>
          eks.send(
            new UpdateNodegroupConfigCommand({
              clusterName,
              nodegroupName: name,
              scalingConfig: { minSize, desiredSize, maxSize },
              clientRequestToken: requestToken,
            }),
          ),
        );
      } catch (error) {
        // EKS refuses a change while the group is still applying the previous one: that passes.
        if ((error as Error).name !== 'ResourceInUseException') throw error;
        throw new TransientError(`${operation}: the node group is busy with another update`, {
          operation,
          nodeGroup: name,
        });
      }
    },
  };
}
