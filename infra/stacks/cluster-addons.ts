import { CfnAddon, type ICluster } from 'aws-cdk-lib/aws-eks-v2';
import { ManagedPolicy, type Role } from 'aws-cdk-lib/aws-iam';
import { Construct, type IDependable } from 'constructs';
import { acknowledgeManagedPolicies } from '../constructs/managed-policy-acknowledgements.ts';
import { podIdentityRole } from './cluster-pod-identity.ts';

/**
 * The cluster's EKS managed add-ons. The cluster is created without EKS's self-managed bootstrap
 * add-ons, so each one is declared here with its configuration:
 * - vpc-cni with network policy enforcement on (the manifests' default-deny NetworkPolicies need an
 *   engine; without it they are silently ignored);
 * - kube-proxy and eks-pod-identity-agent (DaemonSets: Nodes cannot become Ready without the CNI,
 *   and pods get AWS credentials only through the agent);
 * - coredns and the EBS CSI driver, which need a Node to run on, so they wait for the system group;
 *   the driver's node DaemonSet tolerates every taint, or volumes could not attach on the tainted
 *   storage nodes, and its controller gets its AWS role through Pod Identity.
 * Versions are left to EKS (the default for the cluster's Kubernetes version); conflicts with
 * fields someone edited by hand are overwritten, as code is the source of truth.
 */
export const EBS_CSI_CONTROLLER_SERVICE_ACCOUNT = 'ebs-csi-controller-sa';

export interface ClusterAddonsProps {
  readonly cluster: ICluster;
}

export class ClusterAddons extends Construct {
  /** What node groups must wait for: a Node becomes Ready only with these. */
  readonly nodePrerequisites: CfnAddon[];
  readonly ebsCsiDriverRole: Role;
  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ClusterAddonsProps) {
    super(scope, id);
    this.clusterName = props.cluster.clusterName;
    this.nodePrerequisites = [
      this.addon('VpcCni', 'vpc-cni', { enableNetworkPolicy: 'true' }),
      this.addon('KubeProxy', 'kube-proxy'),
      this.addon('PodIdentityAgent', 'eks-pod-identity-agent'),
    ];
    const driverPolicy = ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy');
    this.ebsCsiDriverRole = podIdentityRole(this, 'EbsCsiDriverRole', {
      cluster: props.cluster,
      description: `EBS CSI driver controller (kube-system/${EBS_CSI_CONTROLLER_SERVICE_ACCOUNT}): create, attach, snapshot volumes`,
      managedPolicies: [driverPolicy],
    });
    acknowledgeManagedPolicies(
      this.ebsCsiDriverRole,
      [driverPolicy],
      'AmazonEBSCSIDriverPolicy is the policy the EBS CSI driver is published with; its volume and snapshot calls are scoped by the tags the driver sets, and AWS updates it with the driver',
    );
  }

  /** coredns and the EBS CSI driver, created once `nodes` (a node group) can run them. */
  addWorkloadAddons(nodes: IDependable): void {
    const coreDns = this.addon('CoreDns', 'coredns');
    const ebsCsiDriver = this.addon(
      'EbsCsiDriver',
      'aws-ebs-csi-driver',
      { node: { tolerateAllTaints: true } },
      [{ serviceAccount: EBS_CSI_CONTROLLER_SERVICE_ACCOUNT, roleArn: this.ebsCsiDriverRole.roleArn }],
    );
    coreDns.node.addDependency(nodes);
    ebsCsiDriver.node.addDependency(nodes, ...this.nodePrerequisites);
  }

  private addon(
    id: string,
    addonName: string,
    configuration?: Record<string, unknown>,
    podIdentityAssociations?: CfnAddon.PodIdentityAssociationProperty[],
  ): CfnAddon {
    return new CfnAddon(this, id, {
      clusterName: this.clusterName,
      addonName,
      configurationValues: configuration && JSON.stringify(configuration),
      podIdentityAssociations,
      resolveConflicts: 'OVERWRITE',
    });
  }
}
