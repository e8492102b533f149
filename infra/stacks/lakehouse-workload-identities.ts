import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { clusterEnvironment, platformSecretName } from '../../cluster-manifests/src/environments.ts';
import { platformIdentities } from '../../cluster-manifests/src/identities.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { POSTGRES } from './backup-function-setup.ts';
import { backupBucketName, backupKeyAlias } from './backup-naming.ts';
import type { WorkloadIdentity } from './cluster-pod-identity.ts';

/**
 * The lakehouse pods that call AWS, each with exactly what its job needs (cluster-manifests/README.md,
 * "Prerequisites on the cluster"). Namespaces and service account names come from the same
 * sources as the manifests (platform layout, backup.postgres), so an association cannot name a
 * service account the manifests do not create.
 */

/** The External Secrets Operator's Helm chart defaults (the operator is a cluster prerequisite). */
export const EXTERNAL_SECRETS_NAMESPACE = 'external-secrets';
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT = 'external-secrets';

/** Where s5cmd Jobs copy MinIO objects to and from in the backup bucket (docs/backup.md layout). */
const S5CMD_PREFIX = 'data/';

export function lakehouseWorkloadIdentities(scope: Construct, config: EnvironmentConfig): WorkloadIdentity[] {
  const environment = clusterEnvironment(config);
  const { s5cmd } = environment.layout;
  const bucket = backupBucketArn(scope, config);
  const backupKey = backupKeyStatement(scope, config);
  return [
    pgDumpIdentity(scope, config),
    {
      id: 'S5cmdExecutor',
      namespace: s5cmd.namespace,
      serviceAccount: s5cmd.serviceAccount,
      purpose: 's5cmd transfer Jobs: copy MinIO objects to and from data/ in the backup bucket',
      statements: [...prefixStatements(bucket, [S5CMD_PREFIX], ['s3:PutObject', 's3:GetObject']), backupKey],
      wildcardReason:
        'Objects below data/ of the one backup bucket (keys name source buckets and objects); the DR-region key is selected by alias and used only through S3',
    },
    externalSecretsIdentity(scope, config, {
      // Secrets Manager appends "-" and six random characters to the name in the ARN.
      names: [`${config.minio.credentialsSecretName}-??????`],
      reason: 'and the one MinIO credentials secret ("??????" is the random suffix Secrets Manager adds)',
    }),
    grafanaIdentity(config),
  ];
}

/**
 * pg_dump and pg_restore Jobs: a dump writes postgres/ of the backup bucket; a restore reads a dump
 * and writes its report beside it (`<dump>.restore-<job>.json`), so both need both.
 */
export function pgDumpIdentity(scope: Construct, config: EnvironmentConfig): WorkloadIdentity {
  return {
    id: 'PgDump',
    namespace: config.backup.postgres.namespace,
    serviceAccount: config.backup.postgres.serviceAccountName,
    purpose: 'pg_dump / pg_restore Jobs: write and read postgres/ in the backup bucket',
    statements: [
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [`${backupBucketArn(scope, config)}/${POSTGRES}*`],
      }),
      backupKeyStatement(scope, config),
    ],
    wildcardReason:
      'Objects below postgres/ of the one backup bucket (dump keys name the database and run); the DR-region key is selected by alias and used only through S3',
  };
}

/** The External Secrets Operator: the environment's platform secrets in the stack's region, and `more`. */
export function externalSecretsIdentity(
  scope: Construct,
  config: EnvironmentConfig,
  more?: { readonly names: readonly string[]; readonly reason: string },
): WorkloadIdentity {
  const environment = clusterEnvironment(config);
  return {
    id: 'ExternalSecrets',
    namespace: EXTERNAL_SECRETS_NAMESPACE,
    serviceAccount: EXTERNAL_SECRETS_SERVICE_ACCOUNT,
    purpose: "External Secrets Operator: read the environment's platform secrets",
    statements: [
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [platformSecretName(environment, '*'), ...(more?.names ?? [])].map((name) =>
          secretArn(scope, name),
        ),
      }),
    ],
    wildcardReason: `Only the secrets under lakehouse/${config.name}/${more ? ` ${more.reason}` : ''}`,
  };
}

export function grafanaIdentity(config: EnvironmentConfig): WorkloadIdentity {
  const environment = clusterEnvironment(config);
  return {
    id: 'Grafana',
    namespace: environment.layout.monitoring.namespace,
    serviceAccount: platformIdentities(environment).grafana.instance,
    purpose: "Grafana's CloudWatch data source: read metrics and alarms",
    statements: [
      new PolicyStatement({
        actions: [
          'cloudwatch:GetMetricData',
          'cloudwatch:GetMetricStatistics',
          'cloudwatch:ListMetrics',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:DescribeAlarmsForMetric',
          'cloudwatch:DescribeAlarmHistory',
          'tag:GetResources',
        ],
        resources: ['*'],
      }),
    ],
    wildcardReason:
      'CloudWatch metric and alarm reads and tag:GetResources support no resource-level permissions; read-only',
  };
}

/** Listing and the object actions in a bucket, both only below the prefixes. */
export function prefixStatements(
  bucketArn: string,
  prefixes: readonly string[],
  objectActions: readonly string[],
): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    }),
    new PolicyStatement({
      actions: [...objectActions],
      resources: prefixes.map((prefix) => `${bucketArn}/${prefix}*`),
    }),
  ];
}

export function bucketArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({ service: 's3', region: '', account: '', resource: name });
}

function backupBucketArn(scope: Construct, config: EnvironmentConfig): string {
  return bucketArn(scope, backupBucketName(config));
}

function secretArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The backup key lives in the BackupStack (drRegion): named by its alias, usable only through S3 there. */
export function backupKeyStatement(scope: Construct, config: EnvironmentConfig): PolicyStatement {
  return new PolicyStatement({
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [
      Stack.of(scope).formatArn({
        service: 'kms',
        region: config.drRegion,
        resource: 'key',
        resourceName: '*',
      }),
    ],
    conditions: {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': backupKeyAlias(config) },
      StringEquals: { 'kms:ViaService': `s3.${config.drRegion}.amazonaws.com` },
    },
  });
}
