import { Stack } from 'aws-cdk-lib';
import type { ICluster } from 'aws-cdk-lib/aws-eks-v2';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks-v2';
import {
  type IManagedPolicy,
  type PolicyStatement,
  Role,
  ServicePrincipal,
  SessionTagsPrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';

/**
 * EKS Pod Identity: a service account's pods get an IAM role's credentials from the node's Pod
 * Identity agent (169.254.170.23, which the manifests' NetworkPolicies allow). The trust is the
 * one service principal, narrowed to this account and this cluster; which service account may use
 * the role is decided by the association, not by the role.
 */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

export interface PodIdentityRoleProps {
  readonly cluster: ICluster;
  readonly description: string;
  readonly managedPolicies?: IManagedPolicy[];
}

export function podIdentityRole(scope: Construct, id: string, props: PodIdentityRoleProps): Role {
  const principal = new ServicePrincipal(POD_IDENTITY_PRINCIPAL).withConditions({
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    ArnEquals: { 'aws:SourceArn': props.cluster.clusterArn },
  });
  return new Role(scope, id, {
    // Pod Identity tags each session with the cluster, namespace and service account.
    assumedBy: new SessionTagsPrincipal(principal),
    description: props.description,
    managedPolicies: props.managedPolicies,
  });
}

export interface WorkloadIdentity {
  /** Construct id: "PgDump" -> PgDumpRole, PgDumpPodIdentity. */
  readonly id: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly purpose: string;
  readonly statements: readonly PolicyStatement[];
  /** Why the statements' wildcard resources are as narrow as they can be (cdk-nag IAM5). */
  readonly wildcardReason?: string;
}

export interface WorkloadIdentitiesProps {
  readonly cluster: ICluster;
  readonly identities: readonly WorkloadIdentity[];
}

/** One role and one Pod Identity association per workload service account. */
export class WorkloadIdentities extends Construct {
  readonly roles: Record<string, Role> = {};

  constructor(scope: Construct, id: string, props: WorkloadIdentitiesProps) {
    super(scope, id);
    for (const identity of props.identities) {
      const role = podIdentityRole(this, `${identity.id}Role`, {
        cluster: props.cluster,
        description: `${identity.namespace}/${identity.serviceAccount}: ${identity.purpose}`,
      });
      for (const statement of identity.statements) role.addToPolicy(statement);
      if (identity.wildcardReason) {
        acknowledgeWildcardResources(
          role.node.findChild('DefaultPolicy'),
          identity.statements.flatMap((statement) => statement.resources),
          identity.wildcardReason,
        );
      }
      new CfnPodIdentityAssociation(this, `${identity.id}PodIdentity`, {
        clusterName: props.cluster.clusterName,
        namespace: identity.namespace,
        serviceAccount: identity.serviceAccount,
        roleArn: role.roleArn,
      });
      this.roles[identity.id] = role;
    }
  }
}
