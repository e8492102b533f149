import { Aws } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';

/**
 * EKS access entries (authentication mode API: no aws-auth ConfigMap). An IAM principal is either
 * mapped to Kubernetes groups, whose rights come only from the RBAC in cluster-manifests
 * (`lakehouse-ops:<group>`), or given EKS's cluster-admin access policy; nothing in between, so
 * what a Lambda may do on the cluster is read in one place, the generated RBAC.
 */

/** The principal acts with the rights the cluster's RBAC grants these groups, and no others. */
export function grantKubernetesGroups(
  scope: Construct,
  id: string,
  access: { clusterName: string; principalArn: string; groups: readonly string[] },
): CfnAccessEntry {
  if (access.groups.length === 0) {
    throw new Error(`${id}: an access entry needs at least one Kubernetes group to mean anything`);
  }
  return new CfnAccessEntry(scope, id, {
    clusterName: access.clusterName,
    principalArn: access.principalArn,
    type: 'STANDARD',
    kubernetesGroups: [...access.groups].sort(),
  });
}

/** Cluster-admin on every namespace: operators and break-glass roles only. */
export function grantClusterAdmin(
  scope: Construct,
  id: string,
  access: { clusterName: string; principalArn: string },
): CfnAccessEntry {
  return new CfnAccessEntry(scope, id, {
    clusterName: access.clusterName,
    principalArn: access.principalArn,
    type: 'STANDARD',
    accessPolicies: [
      {
        policyArn: `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: 'cluster' },
      },
    ],
  });
}
