import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { allFunctionGroups } from '../../../cluster-manifests/src/rbac.ts';
import { POOL_LABEL, POOL_TAINTS } from '../../../cluster-manifests/src/scheduling.ts';
import { buildApp } from '../../../infra/app-builder.ts';
import { isStorageOptimisedInstanceType } from '../../../infra/config/cluster-config.ts';
import {
  ENVIRONMENT_NAMES,
  type EnvironmentConfig,
  type EnvironmentName,
} from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { nodePoolSpecs, STACK_OWNED_POOLS } from '../../../infra/stacks/cluster-node-groups.ts';
import { ClusterStack } from '../../../infra/stacks/cluster-stack.ts';
import {
  acknowledgementAudit,
  asList,
  policyStatements,
  resourcesOfType,
  validationReport,
} from '../template-helpers.ts';

interface SynthesizedCluster {
  readonly app: App;
  readonly stack: ClusterStack;
  readonly template: Template;
  readonly assemblyDirectory: string;
}

/** The ClusterStack alone, in an app that runs cdk-nag as `cdk synth` does. */
function synthesizeCluster(config: EnvironmentConfig, cloudFormationValidation = false): SynthesizedCluster {
  const app = new App({ builtinCloudFormationValidation: cloudFormationValidation });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new ClusterStack(app, `cluster-${config.name}`, { config, env: { region: config.region } });
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assemblyDirectory: assembly.directory };
}

const clusters = {} as Record<EnvironmentName, SynthesizedCluster>;

beforeAll(() => {
  for (const name of ENVIRONMENT_NAMES) {
    // Production also runs CDK's CloudFormation schema validation (about 10 s).
    clusters[name] = synthesizeCluster(loadEnvironmentConfig(name), name === 'production');
  }
}, 180_000);

type Properties = Record<string, unknown>;

function nodeGroup(template: Template, pool: string): Properties & { logicalId: string } {
  const [entry] = Object.entries(resourcesOfType(template, 'AWS::EKS::Nodegroup')).filter(
    ([, resource]) => resource.Properties.NodegroupName === pool,
  );
  if (!entry) throw new Error(`no node group named ${pool}`);
  return { logicalId: entry[0], ...entry[1].Properties };
}

function logicalIdOf(template: Template, type: string, match: (properties: Properties) => boolean): string {
  const ids = Object.entries(resourcesOfType(template, type))
    .filter(([, resource]) => match(resource.Properties))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one matching ${type}, found ${ids.length}`);
  return ids[0]!;
}

function dependsOn(template: Template, logicalId: string): string[] {
  const resource = template.toJSON().Resources[logicalId] as { DependsOn?: string | string[] };
  return asList(resource.DependsOn ?? []);
}

describe.each(ENVIRONMENT_NAMES)('ClusterStack (%s)', (name) => {
  const config = loadEnvironmentConfig(name);
  const template = () => clusters[name].template;
  const computeSpec = () => {
    const spec = nodePoolSpecs(config.clusterName, config.cluster.nodeGroups).find(
      (candidate) => candidate.name === 'compute',
    );
    if (!spec) throw new Error('no compute pool spec');
    return spec;
  };
  const privateSubnetIds = () =>
    Object.entries(resourcesOfType(template(), 'AWS::EC2::Subnet'))
      .filter(([, subnet]) => subnet.Properties.MapPublicIpOnLaunch === false)
      .map(([id]) => id)
      .sort();

  it('spreads the VPC over the three configured zones with private node subnets', () => {
    template().hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.cluster.vpcCidr });
    const subnets = Object.values(resourcesOfType(template(), 'AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(6);
    const zonesOf = (isPublic: boolean) =>
      subnets
        .filter((subnet) => subnet.Properties.MapPublicIpOnLaunch === isPublic)
        .map((subnet) => subnet.Properties.AvailabilityZone)
        .sort();
    expect(zonesOf(false)).toEqual([...config.cluster.availabilityZones].sort());
    expect(zonesOf(true)).toEqual([...config.cluster.availabilityZones].sort());
    template().resourceCountIs('AWS::EC2::NatGateway', config.cluster.natGateways);
    template().hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
    });
  });

  it('sends flow logs of all traffic to a KMS-encrypted log group', () => {
    const flowLog = Object.values(resourcesOfType(template(), 'AWS::EC2::FlowLog'));
    expect(flowLog).toHaveLength(1);
    expect(flowLog[0]!.Properties).toMatchObject({
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    const logGroupId = (flowLog[0]!.Properties.LogGroupName as { Ref: string }).Ref;
    const logGroup = resourcesOfType(template(), 'AWS::Logs::LogGroup')[logGroupId]!;
    expect(logGroup.Properties).toMatchObject({
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] },
      RetentionInDays: config.logRetentionDays,
    });
  });

  it('lets CloudWatch Logs use the log key only for this account and region', () => {
    template().hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: `logs.${config.region}.amazonaws.com` },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('names the cluster as the ops functions know it, at the configured Kubernetes version', () => {
    template().hasResourceProperties('AWS::EKS::Cluster', {
      Name: config.clusterName,
      Version: config.cluster.kubernetesVersion,
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
      BootstrapSelfManagedAddons: false,
    });
  });

  it('encrypts Kubernetes secrets with a rotated KMS key', () => {
    const cluster = Object.values(resourcesOfType(template(), 'AWS::EKS::Cluster'))[0]!;
    const [encryption] = cluster.Properties.EncryptionConfig as {
      Provider: { KeyArn: { 'Fn::GetAtt': [string, string] } };
      Resources: string[];
    }[];
    expect(encryption?.Resources).toEqual(['secrets']);
    const keyId = encryption!.Provider.KeyArn['Fn::GetAtt'][0];
    expect(resourcesOfType(template(), 'AWS::KMS::Key')[keyId]?.Properties.EnableKeyRotation).toBe(true);
    const roleId = (cluster.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const rolePolicies = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    );
    const statements = rolePolicies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }),
    );
  });

  // cdk-nag 3.0.2's EKS1 and EKS2 rules test `instanceof aws-eks.CfnCluster` and so skip aws-eks-v2
  // clusters: these two tests check what they would (all log types; no public endpoint).
  it('logs every control-plane log type to an encrypted group that expires', () => {
    template().hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((type) => ({
            Type: type,
          })),
        },
      },
    });
    template().hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/eks/${config.clusterName}/cluster`,
      KmsKeyId: Match.anyValue(),
      RetentionInDays: config.logRetentionDays,
    });
  });

  it('keeps the API endpoint private and in the node subnets', () => {
    template().hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
    const cluster = Object.values(resourcesOfType(template(), 'AWS::EKS::Cluster'))[0]!;
    const subnetIds = (cluster.Properties.ResourcesVpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds;
    expect(subnetIds.map((subnet) => subnet.Ref).sort()).toEqual(privateSubnetIds());
  });

  it('runs the system and storage pools on demand and specifies the compute pool on spot', () => {
    expect(nodeGroup(template(), 'system').CapacityType).toBe('ON_DEMAND');
    expect(nodeGroup(template(), 'storage').CapacityType).toBe('ON_DEMAND');
    expect(computeSpec().capacityType).toBe('SPOT');
  });

  it("leaves the compute pool's group to the workflows, with the stack's launch template by name", () => {
    const groups = Object.values(resourcesOfType(template(), 'AWS::EKS::Nodegroup')).map(
      (group) => group.Properties.NodegroupName,
    );
    expect(groups.sort()).toEqual([...STACK_OWNED_POOLS].sort());
    expect(computeSpec().launchTemplate).toEqual({ name: `${config.clusterName}-compute` });
    template().hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateName: `${config.clusterName}-compute`,
    });
  });

  it('labels and taints each pool as the manifests schedule onto it', () => {
    expect(nodeGroup(template(), 'system')).toMatchObject({ Labels: { [POOL_LABEL]: 'system' }, Taints: [] });
    expect(nodeGroup(template(), 'storage')).toMatchObject({
      Labels: { [POOL_LABEL]: 'storage' },
      Taints: [{ Key: POOL_TAINTS.storage.key, Value: POOL_TAINTS.storage.value, Effect: 'NO_SCHEDULE' }],
    });
    expect(computeSpec()).toMatchObject({
      labels: { [POOL_LABEL]: 'compute' },
      taints: [{ key: POOL_TAINTS.compute.key, value: POOL_TAINTS.compute.value, effect: 'NO_SCHEDULE' }],
    });
    expect(POOL_TAINTS.storage).toEqual({ key: 'dedicated', value: 'storage', effect: 'NoSchedule' });
  });

  it('sizes and types each pool from the environment config', () => {
    for (const pool of STACK_OWNED_POOLS) {
      const settings = config.cluster.nodeGroups[pool];
      expect(nodeGroup(template(), pool)).toMatchObject({
        InstanceTypes: settings.instanceTypes,
        ScalingConfig: {
          MinSize: settings.minSize,
          MaxSize: settings.maxSize,
          DesiredSize: settings.desiredSize ?? settings.minSize,
        },
        AmiType: 'AL2023_x86_64_STANDARD',
      });
    }
    const compute = computeSpec().instanceTypes;
    expect(compute).toEqual(config.cluster.nodeGroups.compute.instanceTypes);
    expect(new Set(compute).size).toBeGreaterThanOrEqual(6);
    const storage = nodeGroup(template(), 'storage').InstanceTypes as string[];
    expect(storage.every(isStorageOptimisedInstanceType)).toBe(true);
  });

  it('builds each node group from the spec the provision workflow shares', () => {
    for (const spec of nodePoolSpecs(config.clusterName, config.cluster.nodeGroups)) {
      if (spec.name === 'compute') continue;
      expect(nodeGroup(template(), spec.name)).toMatchObject({
        InstanceTypes: spec.instanceTypes,
        CapacityType: spec.capacityType,
        ScalingConfig: { MinSize: spec.minSize, MaxSize: spec.maxSize, DesiredSize: spec.desiredSize },
        Labels: spec.labels,
        Taints: spec.taints.map(({ key, value, effect }) => ({ Key: key, Value: value, Effect: effect })),
      });
    }
  });

  it('places every node in the private subnets, with encrypted roots and IMDSv2 out of reach of pods', () => {
    for (const pool of ['system', 'storage', 'compute'] as const) {
      // The compute pool's group takes the subnets of its siblings (provision, spot-migration).
      if (pool !== 'compute') {
        const group = nodeGroup(template(), pool);
        expect((group.Subnets as { Ref: string }[]).map((subnet) => subnet.Ref).sort()).toEqual(
          privateSubnetIds(),
        );
        const templateId = (group.LaunchTemplate as { Id: { Ref: string } }).Id.Ref;
        expect(resourcesOfType(template(), 'AWS::EC2::LaunchTemplate')[templateId]).toBeDefined();
      }
      const launchTemplate = Object.values(resourcesOfType(template(), 'AWS::EC2::LaunchTemplate')).find(
        (candidate) => candidate.Properties.LaunchTemplateName === `${config.clusterName}-${pool}`,
      )!;
      expect(launchTemplate.Properties.LaunchTemplateData).toMatchObject({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              Encrypted: true,
              VolumeType: 'gp3',
              VolumeSize: config.cluster.nodeGroups[pool as 'system'].diskSizeGiB,
            },
          },
        ],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      });
    }
  });

  it('creates the node groups after the add-ons a Node needs, and coredns and EBS CSI after the system pool', () => {
    const addon = (addonName: string) =>
      logicalIdOf(template(), 'AWS::EKS::Addon', (properties) => properties.AddonName === addonName);
    const prerequisites = ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent'].map(addon);
    for (const pool of STACK_OWNED_POOLS) {
      expect(dependsOn(template(), nodeGroup(template(), pool).logicalId)).toEqual(
        expect.arrayContaining(prerequisites),
      );
    }
    const system = nodeGroup(template(), 'system').logicalId;
    expect(dependsOn(template(), addon('coredns'))).toContain(system);
    expect(dependsOn(template(), addon('aws-ebs-csi-driver'))).toContain(system);
  });

  it('enforces NetworkPolicies and lets the EBS CSI node plugin onto the tainted pools', () => {
    template().hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni',
      ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
    });
    template().hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'aws-ebs-csi-driver',
      ConfigurationValues: JSON.stringify({ node: { tolerateAllTaints: true } }),
      PodIdentityAssociations: [{ ServiceAccount: 'ebs-csi-controller-sa', RoleArn: Match.anyValue() }],
    });
  });

  it('gives the lakehouse service accounts their roles through EKS Pod Identity', () => {
    const associations = Object.values(resourcesOfType(template(), 'AWS::EKS::PodIdentityAssociation')).map(
      (association) => `${association.Properties.Namespace}/${association.Properties.ServiceAccount}`,
    );
    expect(associations.sort()).toEqual(
      [
        `${config.backup.postgres.namespace}/${config.backup.postgres.serviceAccountName}`,
        'external-secrets/external-secrets',
        'monitoring/grafana',
        's5cmd/s5cmd-executor',
      ].sort(),
    );
    const trusts = Object.values(resourcesOfType(template(), 'AWS::IAM::Role'))
      .map(
        (role) =>
          role.Properties.AssumeRolePolicyDocument as { Statement: { Principal: { Service: string } }[] },
      )
      .filter((document) => document.Statement[0]?.Principal.Service === 'pods.eks.amazonaws.com');
    // The four workloads and the EBS CSI controller.
    expect(trusts).toHaveLength(5);
    for (const trust of trusts) {
      expect(trust.Statement[0]).toMatchObject({
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } },
        },
      });
    }
  });

  it('lets the pg_dump Jobs reach only postgres/ in the backup bucket', () => {
    const statements = policyStatements(template(), 'WorkloadIdentitiesPgDumpRole');
    const s3 = statements.filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith('s3:')),
    );
    expect(s3).toHaveLength(1);
    expect(JSON.stringify(s3[0]!.Resource)).toContain(`-${config.drRegion}/postgres/*`);
  });

  it('lets External Secrets read only this environment’s secrets', () => {
    const [statement] = policyStatements(template(), 'WorkloadIdentitiesExternalSecretsRole');
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain(`:secret:lakehouse/${name}/*`);
    expect(resources).toContain(`:secret:${config.minio.credentialsSecretName}-??????`);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const violations = validationReport(clusters[name].assemblyDirectory).flatMap((report) =>
      report.violations.map((violation) => `${report.pluginName}: ${violation.ruleName}`),
    );
    expect(violations).toEqual([]);
  });

  it('acknowledges only findings that exist, each on the construct that has it', () => {
    const { acknowledgements, withoutFinding } = acknowledgementAudit(clusters[name].app);
    expect(acknowledgements).toBeGreaterThan(0);
    expect(withoutFinding).toEqual([]);
  });
});

describe('ClusterStack with operator access', () => {
  const base = loadEnvironmentConfig('development');
  const adminRoleArn = 'arn:aws:iam::123456789012:role/platform-admin';
  let synthesized: SynthesizedCluster;
  beforeAll(() => {
    synthesized = synthesizeCluster({
      ...base,
      cluster: { ...base.cluster, publicEndpointCidrs: ['203.0.113.0/24'], adminRoleArns: [adminRoleArn] },
    });
  }, 60_000);

  it('opens the public endpoint only to the configured CIDR blocks, private access kept', () => {
    synthesized.template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPrivateAccess: true,
        EndpointPublicAccess: true,
        PublicAccessCidrs: ['203.0.113.0/24'],
      }),
    });
  });

  it('makes the configured roles cluster admins through access entries', () => {
    synthesized.template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: adminRoleArn,
      ClusterName: { Ref: Match.stringLikeRegexp('^Cluster') },
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
              ],
            ],
          },
          AccessScope: { Type: 'cluster' },
        },
      ],
    });
  });

  it('stays cdk-nag clean', () => {
    expect(validationReport(synthesized.assemblyDirectory).flatMap((report) => report.violations)).toEqual(
      [],
    );
    const { withoutFinding } = acknowledgementAudit(synthesized.app);
    expect(withoutFinding).toEqual([]);
  });
});

describe('buildApp with the ClusterStack', () => {
  const built = buildApp({ environment: 'staging', bundling: false, cloudFormationValidation: false });
  const clusterTemplate = () => Template.fromStack(built.clusterStack);
  const opsTemplate = () => Template.fromStack(built.opsStack);

  it('deploys the cluster, in the configured region, before the ops stack whose functions use it', () => {
    expect(built.clusterStack.stackName).toBe('lakehouse-ops-staging-cluster');
    expect(built.clusterStack.region).toBe(built.config.region);
    expect(built.opsStack.dependencies).toContain(built.clusterStack);
  });

  it('exposes its VPC and the security group EKS puts on the private endpoint, for the ops functions', () => {
    const { clusterStack } = built;
    expect(clusterStack.vpc).toBe(clusterStack.network.vpc);
    const cluster = Object.keys(resourcesOfType(clusterTemplate(), 'AWS::EKS::Cluster'));
    expect(cluster).toHaveLength(1);
    expect(clusterStack.resolve(clusterStack.clusterSecurityGroup.securityGroupId)).toEqual({
      'Fn::GetAtt': [cluster[0], 'ClusterSecurityGroupId'],
    });
  });

  it('gives the cluster the name every cluster-using function is configured with', () => {
    clusterTemplate().hasResourceProperties('AWS::EKS::Cluster', { Name: built.config.clusterName });
    const clusterNames = Object.values(resourcesOfType(opsTemplate(), 'AWS::Lambda::Function'))
      .map(
        (fn) => (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.CLUSTER_NAME,
      )
      .filter((value) => value !== undefined);
    expect(clusterNames.length).toBeGreaterThan(0);
    expect(new Set(clusterNames)).toEqual(new Set([built.config.clusterName]));
  });

  it('maps every cluster-using function role, and only those, to a lakehouse-ops group on that cluster', () => {
    const functions = resourcesOfType(opsTemplate(), 'AWS::Lambda::Function');
    const clusterRoles = Object.values(functions)
      .filter(
        (fn) => (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.CLUSTER_NAME,
      )
      .map((fn) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
      .sort();
    const entries = Object.values(resourcesOfType(opsTemplate(), 'AWS::EKS::AccessEntry'));
    expect(
      entries
        .map(
          (entry) => (entry.Properties.PrincipalArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
        )
        .sort(),
    ).toEqual(clusterRoles);
    const groups = new Set<string>(allFunctionGroups());
    for (const entry of entries) {
      expect(entry.Properties).toMatchObject({ ClusterName: built.config.clusterName, Type: 'STANDARD' });
      expect(entry.Properties.AccessPolicies).toBeUndefined();
      for (const group of entry.Properties.KubernetesGroups as string[]) expect(groups).toContain(group);
    }
  });
});
