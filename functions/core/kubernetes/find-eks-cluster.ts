import { type Cluster, DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { callAws } from '../../commons/transient-errors.ts';

/** DescribeCluster, with a cluster that does not exist as undefined (a verdict for the caller, not an error). */
export function findEksCluster(eks: EKSClient, clusterName: string): Promise<Cluster | undefined> {
  return callAws(`eks:DescribeCluster ${clusterName}`, async () => {
    try {
      return (await eks.send(new DescribeClusterCommand({ name: clusterName }))).cluster;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  });
}
