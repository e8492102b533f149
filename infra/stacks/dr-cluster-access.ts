import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';
import {
  DR_CLUSTER_AUTHENTICATED_HANDLERS,
  DR_CLUSTER_KUBERNETES_GROUPS,
} from '../../cluster-manifests/src/rbac-dr.ts';
import { grantKubernetesGroups } from '../constructs/cluster-access.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { pascalCase } from '../naming.ts';

/**
 * The DR control plane's access entries on the standby cluster: each function that calls its
 * Kubernetes API as its group (cluster-manifests/src/rbac-dr.ts), and check-failover-gates with no
 * group (its reachability gate reads /readyz and /api, which every authenticated caller may). In
 * the DrStack, next to the roles; the DR ClusterStack deploys first and is named by its cluster.
 */
export function grantDrClusterAccess(
  scope: Construct,
  clusterName: string,
  functions: Readonly<Partial<Record<string, OpsFunction>>>,
): Record<string, CfnAccessEntry> {
  const entries: Record<string, CfnAccessEntry> = {};
  const deployed = (handler: string): OpsFunction => {
    const fn = functions[handler];
    if (!fn)
      throw new Error(`${handler} is mapped to the DR cluster (rbac-dr.ts) but not deployed in this stack`);
    return fn;
  };
  for (const { group, handlers } of DR_CLUSTER_KUBERNETES_GROUPS) {
    for (const handler of handlers) {
      entries[handler] = grantKubernetesGroups(scope, `${pascalCase(handler)}DrClusterAccessEntry`, {
        clusterName,
        principalArn: deployed(handler).role!.roleArn,
        groups: [group],
      });
    }
  }
  for (const handler of DR_CLUSTER_AUTHENTICATED_HANDLERS) {
    entries[handler] = new CfnAccessEntry(scope, `${pascalCase(handler)}DrClusterAccessEntry`, {
      clusterName,
      principalArn: deployed(handler).role!.roleArn,
      type: 'STANDARD',
    });
  }
  return entries;
}
