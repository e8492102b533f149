import { Aws } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config/environment-config.ts';

/**
 * Names shared by the BackupStack (DR region) and the OpsStack (primary region). They are derived
 * from the config and the account instead of passed as cross-region references: references need
 * both stacks' accounts and regions at synth (no offline, environment-agnostic synth) and an SSM
 * parameter writer custom resource per value, while these names are fixed by construction and
 * each stack resolves `AWS::AccountId` to the same account.
 */
export function backupBucketName(config: EnvironmentConfig, account: string = Aws.ACCOUNT_ID): string {
  // <= 63 characters for every region name: 14 + 11 + 7 + 12 + 1 + 14 at most.
  return `lakehouse-ops-${config.name}-backup-${account}-${config.drRegion}`;
}

/**
 * The DR region's replica of every MinIO bucket (`<minio-bucket>/<key>`), kept current by the
 * replication functions; on failover the DR cluster's workloads use it as their object store.
 */
export function replicaBucketName(config: EnvironmentConfig, account: string = Aws.ACCOUNT_ID): string {
  // <= 63 characters for every region name: 14 + 10 + 9 + 12 + 1 + 14 at most.
  return `lakehouse-ops-${config.name}-replica-${account}-${config.drRegion}`;
}

/** The alias of the backup bucket's KMS key; the functions' grants name the key by it. */
export function backupKeyAlias(config: EnvironmentConfig): string {
  return `alias/lakehouse-ops-${config.name}-backup`;
}

/**
 * The DR region's KMS key of the ops table's replica (the OpsStack's global table): named by alias
 * ARN, since the OpsStack in the primary region cannot reference a key of another region's stack.
 */
export function opsReplicaKeyAlias(config: EnvironmentConfig): string {
  return `alias/lakehouse-ops-${config.name}-ops-replica`;
}

export function opsReplicaKeyArn(config: EnvironmentConfig, account: string = Aws.ACCOUNT_ID): string {
  return `arn:${Aws.PARTITION}:kms:${config.drRegion}:${account}:${opsReplicaKeyAlias(config)}`;
}

/** The DR-region vault that the AWS Backup plan copies every volume recovery point to. */
export function drBackupVaultName(config: EnvironmentConfig): string {
  return `lakehouse-ops-${config.name}-dr`;
}

export function backupStackName(environment: string): string {
  return `lakehouse-ops-${environment}-backup`;
}
