import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { drEnvironmentManifests } from '../../../cluster-manifests/src/dr-bundle.ts';
import { drClusterEnvironment } from '../../../cluster-manifests/src/dr-environment.ts';
import { clusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { podTemplateOf } from '../../../cluster-manifests/src/policy.ts';
import { POOL_LABEL, POOL_TAINTS } from '../../../cluster-manifests/src/scheduling.ts';
import {
  DEFAULT_REPOSITORY_PREFIXES,
  parseImageReference,
  requiredImages,
} from '../../../functions/core/dr/failover/gates/image-references.ts';
import { buildApp, clusterStackName, drClusterStackName } from '../../../infra/app-builder.ts';
import { drClusterName } from '../../../infra/config/dr-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { ClusterStack } from '../../../infra/stacks/cluster-stack.ts';
import { DR_FAILOVER_NODE_GROUP_SIZES, drClusterSite } from '../../../infra/stacks/dr-cluster-site.ts';
import { UPSTREAM_REGISTRIES } from '../../../infra/stacks/ecr-pull-through-cache.ts';
import {
  acknowledgementAudit,
  asList,
  type PolicyStatement,
  policyStatements,
  resourcesOfType,
  validationReport,
} from '../template-helpers.ts';

/**
 * The standby cluster in drRegion (issue 5): the ClusterStack built with drClusterSite, synthesized
 * once for the file (with cdk-nag, as `cdk synth` runs it).
 */
const config = loadEnvironmentConfig('staging');
const standbyName = drClusterName(config);
let app: App;
let stack: ClusterStack;
let template: Template;
let assemblyDirectory: string;

beforeAll(() => {
  app = new App({ builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  stack = new ClusterStack(app, drClusterStackName(config.name), {
    config,
    site: drClusterSite(config),
    env: { region: config.drRegion },
  });
  assemblyDirectory = app.synth().directory;
  template = Template.fromStack(stack);
}, 180_000);

type Properties = Record<string, unknown>;

function nodeGroup(pool: string): Properties {
  const group = Object.values(resourcesOfType(template, 'AWS::EKS::Nodegroup')).find(
    (candidate) => candidate.Properties.NodegroupName === pool,
  );
  if (!group) throw new Error(`no node group named ${pool}`);
  return group.Properties;
}

const actionsOf = (statement: PolicyStatement) => asList(statement.Action);
const s3Statements = (role: string) =>
  policyStatements(template, `WorkloadIdentities${role}Role`).filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith('s3:')),
  );

describe('the standby cluster stack', () => {
  it('builds the cluster of the DR name in drRegion, in its own VPC over drRegion zones', () => {
    expect(stack.region).toBe(config.drRegion);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: standbyName,
      Version: config.cluster.kubernetesVersion,
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
    });
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.dr.network.vpcCidr });
    const zones = Object.values(resourcesOfType(template, 'AWS::EC2::Subnet'))
      .filter((subnet) => subnet.Properties.MapPublicIpOnLaunch === false)
      .map((subnet) => subnet.Properties.AvailabilityZone)
      .sort();
    expect(zones).toEqual([...config.dr.network.availabilityZones].sort());
    template.resourceCountIs('AWS::EC2::NatGateway', config.dr.network.natGateways);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/eks/${standbyName}/cluster`,
    });
  });

  it('keys its aliases and launch templates by the DR cluster, apart from the primary', () => {
    const aliases = Object.values(resourcesOfType(template, 'AWS::KMS::Alias')).map(
      (alias) => alias.Properties.AliasName,
    );
    expect(aliases.sort()).toEqual([
      `alias/lakehouse-ops-${config.name}-dr-cluster-logs`,
      `alias/lakehouse-ops-${config.name}-dr-cluster-secrets`,
    ]);
    const templates = Object.values(resourcesOfType(template, 'AWS::EC2::LaunchTemplate')).map(
      (launchTemplate) => launchTemplate.Properties.LaunchTemplateName,
    );
    expect(templates.sort()).toEqual(
      ['compute', 'storage', 'system'].map((pool) => `${standbyName}-${pool}`),
    );
  });

  it('stands by with the system pool at its minimum and storage and compute empty, each able to reach the primary sizes', () => {
    const { system, storage, compute } = config.cluster.nodeGroups;
    expect(nodeGroup('system').ScalingConfig).toEqual({
      MinSize: system.minSize,
      DesiredSize: system.minSize,
      MaxSize: system.maxSize,
    });
    expect(nodeGroup('storage').ScalingConfig).toEqual({
      MinSize: 0,
      DesiredSize: 0,
      MaxSize: storage.maxSize,
    });
    expect(nodeGroup('compute').ScalingConfig).toEqual({
      MinSize: 0,
      DesiredSize: 0,
      MaxSize: compute.maxSize,
    });
    expect(nodeGroup('compute')).toMatchObject({
      CapacityType: 'SPOT',
      InstanceTypes: compute.instanceTypes,
      Labels: { [POOL_LABEL]: 'compute' },
      Taints: [{ Key: POOL_TAINTS.compute.key, Value: POOL_TAINTS.compute.value, Effect: 'NO_SCHEDULE' }],
    });
    expect(nodeGroup('storage')).toMatchObject({
      CapacityType: 'ON_DEMAND',
      InstanceTypes: storage.instanceTypes,
    });
  });

  it("sizes the storage pool's failover at what the DR manifests put on it: PostgreSQL alone", () => {
    const dr = drClusterEnvironment(clusterEnvironment(config), {
      clusterName: standbyName,
      region: config.drRegion,
      replicaBucket: 'replica',
    });
    const onStorage = drEnvironmentManifests(dr)
      .flatMap((file) => file.documents)
      .flatMap((document) => {
        const workload = podTemplateOf(document);
        const pool = workload?.template.spec?.nodeSelector?.[POOL_LABEL];
        return pool === 'storage' ? [{ name: document.metadata.name, replicas: workload!.replicas }] : [];
      });
    expect(onStorage).toEqual([{ name: 'prefect-postgresql', replicas: 1 }]);
    expect(DR_FAILOVER_NODE_GROUP_SIZES).toEqual({ storage: 1 });
  });

  it('gives the DR workloads their roles through Pod Identity', () => {
    const associations = Object.values(resourcesOfType(template, 'AWS::EKS::PodIdentityAssociation')).map(
      (association) => `${association.Properties.Namespace}/${association.Properties.ServiceAccount}`,
    );
    expect(associations.sort()).toEqual([
      'external-secrets/external-secrets',
      'monitoring/grafana',
      `prefect/${config.backup.postgres.serviceAccountName}`,
      'prefect/prefect-flow-run',
      's5cmd/s5cmd-executor',
    ]);
  });

  it.each(['FlowRun', 'S5cmdExecutor'])(
    'lets %s read and write the replica only under the replicated buckets',
    (role) => {
      const [list, objects] = s3Statements(role);
      const replica = `lakehouse-ops-${config.name}-replica-`;
      expect(actionsOf(list!)).toEqual(['s3:ListBucket']);
      expect(JSON.stringify(list!.Resource)).toContain(replica);
      expect(list!.Condition).toEqual({
        StringLike: { 's3:prefix': config.backup.sourceBuckets.map((bucket) => `${bucket}/*`) },
      });
      expect(actionsOf(objects!)).toEqual([
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ]);
      const resources = asList(objects!.Resource as never).map((resource) => JSON.stringify(resource));
      expect(resources).toHaveLength(config.backup.sourceBuckets.length);
      config.backup.sourceBuckets.forEach((bucket, index) => {
        expect(resources[index]).toContain(replica);
        expect(resources[index]).toContain(`-${config.drRegion}/${bucket}/*`);
      });
      expect(JSON.stringify(s3Statements(role))).not.toContain('-backup-');
      const kms = policyStatements(template, `WorkloadIdentities${role}Role`).find((statement) =>
        actionsOf(statement).includes('kms:Decrypt'),
      );
      expect(kms?.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/lakehouse-ops-${config.name}-backup` },
        StringEquals: { 'kms:ViaService': `s3.${config.drRegion}.amazonaws.com` },
      });
    },
  );

  it('lets the restore Job read the dumps (and write its report) only under postgres/ of the backup bucket', () => {
    const statements = s3Statements('PgDump');
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['s3:PutObject', 's3:GetObject']);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(`lakehouse-ops-${config.name}-backup-`);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(`-${config.drRegion}/postgres/*`);
  });

  it("lets External Secrets read only the environment's secrets in drRegion, no MinIO credentials", () => {
    const [statement, ...others] = policyStatements(template, 'WorkloadIdentitiesExternalSecretsRole');
    expect(others).toEqual([]);
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain(`:secret:lakehouse/${config.name}/*`);
    expect(asList(statement!.Resource as never)).toHaveLength(1);
    expect(stack.resolve(stack.region)).toBe(config.drRegion);
    expect(resources).not.toContain(config.minio.credentialsSecretName);
  });

  it("creates a pull-through cache rule for every registry of the images gate's prefixes", () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::ECR::PullThroughCacheRule')).map(
      (rule) => rule.Properties,
    );
    expect(rules.map((rule) => rule.EcrRepositoryPrefix).sort()).toEqual(
      Object.values(DEFAULT_REPOSITORY_PREFIXES).sort(),
    );
    for (const [host, prefix] of Object.entries(DEFAULT_REPOSITORY_PREFIXES)) {
      const rule = rules.find((candidate) => candidate.EcrRepositoryPrefix === prefix)!;
      const upstream = UPSTREAM_REGISTRIES[host]!;
      expect(rule).toMatchObject({
        UpstreamRegistry: upstream.upstreamRegistry,
        UpstreamRegistryUrl: upstream.url,
      });
      expect(rule.CredentialArn !== undefined).toBe(upstream.needsCredentials);
    }
    const registries = new Set(requiredImages().map((image) => parseImageReference(image).registry));
    for (const registry of registries) expect(Object.keys(DEFAULT_REPOSITORY_PREFIXES)).toContain(registry);
  });

  it('keeps the Docker Hub and GitHub credentials in secrets of the name ECR requires', () => {
    const secrets = Object.entries(resourcesOfType(template, 'AWS::SecretsManager::Secret'));
    expect(secrets.map(([, secret]) => secret.Properties.Name).sort()).toEqual([
      `ecr-pullthroughcache/lakehouse-ops-${config.name}-docker-hub`,
      `ecr-pullthroughcache/lakehouse-ops-${config.name}-github`,
    ]);
    const rules = Object.values(resourcesOfType(template, 'AWS::ECR::PullThroughCacheRule'));
    for (const [logicalId] of secrets) {
      expect(
        rules.some(
          (rule) => JSON.stringify(rule.Properties.CredentialArn) === JSON.stringify({ Ref: logicalId }),
        ),
      ).toBe(true);
    }
  });

  it("lets the nodes pull through the rules: first pulls create and import, only in the rules' repositories", () => {
    const nodeRole = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).find(([, role]) =>
      JSON.stringify(role.Properties.ManagedPolicyArns ?? []).includes('AmazonEC2ContainerRegistryPullOnly'),
    );
    expect(nodeRole).toBeDefined();
    const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: nodeRole![0] }]))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage']);
    const resources = asList(statements[0]!.Resource as never).map((resource) => JSON.stringify(resource));
    expect(resources).toHaveLength(Object.keys(DEFAULT_REPOSITORY_PREFIXES).length);
    for (const prefix of Object.values(DEFAULT_REPOSITORY_PREFIXES)) {
      expect(resources.some((resource) => resource.includes(`:repository/${prefix}/*`))).toBe(true);
    }
  });

  it('passes cdk-nag AwsSolutions, acknowledging only findings that exist', () => {
    const violations = validationReport(assemblyDirectory).flatMap((report) =>
      report.violations.map((violation) => `${report.pluginName}: ${violation.ruleName}`),
    );
    expect(violations).toEqual([]);
    expect(acknowledgementAudit(app).withoutFinding).toEqual([]);
  });
});

describe('buildApp with the standby cluster', () => {
  const built = buildApp({ environment: 'staging', bundling: false, cloudFormationValidation: false });

  it('deploys it as its own stack in drRegion, with the primary unchanged in its region', () => {
    expect(built.drClusterStack.stackName).toBe('lakehouse-ops-staging-dr-cluster');
    expect(drClusterStackName('staging')).toBe(
      `${clusterStackName('staging').replace(/-cluster$/, '')}-dr-cluster`,
    );
    expect(built.drClusterStack.region).toBe(built.config.drRegion);
    expect(built.clusterStack.region).toBe(built.config.region);
    // The standby's site: its own groups for every pool, where the primary leaves compute to the workflows.
    expect(Object.keys(built.drClusterStack.nodeGroups.groups).sort()).toEqual([
      'compute',
      'storage',
      'system',
    ]);
    expect(Object.keys(built.clusterStack.nodeGroups.groups).sort()).toEqual(['storage', 'system']);
    expect(built.drClusterStack.pullThroughCache).toBeDefined();
    expect(built.clusterStack.pullThroughCache).toBeUndefined();
  });

  it('exposes the VPC, the cluster security group and the cluster the DR control plane needs', () => {
    const { drClusterStack } = built;
    expect(drClusterStack.vpc).toBe(drClusterStack.network.vpc);
    expect(drClusterStack.clusterSecurityGroup).toBe(drClusterStack.cluster.clusterSecurityGroup);
  });
});
