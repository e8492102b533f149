import {
  DescribeNodegroupCommand,
  type EKSClient,
  type Nodegroup,
  paginateListNodegroups,
} from '@aws-sdk/client-eks';
import { callAws } from '../../commons/transient-errors.ts';
import { findEksCluster } from '../kubernetes/find-eks-cluster.ts';
import type { CheckResult } from './check-result.ts';
import { runCheck, verdictFrom } from './run-check.ts';

export interface EksClusterCheckDependencies {
  eks: EKSClient;
  clusterName: string;
}

/** The EKS control plane is ACTIVE and every managed node group is ACTIVE without health issues. */
export function checkEksCluster({ eks, clusterName }: EksClusterCheckDependencies): Promise<CheckResult> {
  return runCheck('eks-cluster', async () => {
    const cluster = await findEksCluster(eks, clusterName);
    if (!cluster) {
      return verdictFrom([`EKS cluster ${clusterName} not found`], '', { cluster: { name: clusterName } });
    }
    const nodeGroups = await describeNodeGroups(eks, clusterName);
    const problems: string[] = [];
    if (cluster.status !== 'ACTIVE') problems.push(`cluster ${clusterName} is ${cluster.status}, not ACTIVE`);
    if (nodeGroups.length === 0) problems.push(`cluster ${clusterName} has no managed node groups`);
    for (const group of nodeGroups) problems.push(...nodeGroupProblems(group));

    return verdictFrom(
      problems,
      `cluster ${clusterName} ACTIVE with ${nodeGroups.length} healthy node groups`,
      {
        cluster: { name: clusterName, status: cluster.status, version: cluster.version },
        nodeGroups: nodeGroups.map((group) => ({
          name: group.nodegroupName,
          status: group.status,
          scaling: group.scalingConfig,
          instanceTypes: group.instanceTypes,
          capacityType: group.capacityType,
          healthIssues: (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`),
        })),
      },
    );
  });
}

async function describeNodeGroups(eks: EKSClient, clusterName: string): Promise<Nodegroup[]> {
  const names = await callAws(`eks:ListNodegroups ${clusterName}`, async () => {
    const all: string[] = [];
    for await (const page of paginateListNodegroups({ client: eks }, { clusterName })) {
      all.push(...(page.nodegroups ?? []));
    }
    return all;
  });
  return Promise.all(
    names.map((nodegroupName) =>
      callAws(`eks:DescribeNodegroup ${clusterName}/${nodegroupName}`, async () => {
        const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
        return nodegroup ?? { nodegroupName };
      }),
    ),
  );
}

function nodeGroupProblems(group: Nodegroup): string[] {
  const problems: string[] = [];
  if (group.status !== 'ACTIVE')
    problems.push(`node group ${group.nodegroupName} is ${group.status}, not ACTIVE`);
  for (const issue of group.health?.issues ?? []) {
    problems.push(`node group ${group.nodegroupName}: ${issue.code}: ${issue.message}`);
  }
  return problems;
}
