import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  BackupPlan,
  BackupPlanRule,
  BackupResource,
  BackupVault,
  type IBackupVault,
} from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { drBackupVaultName } from './backup-naming.ts';

/** The tag that puts an EBS volume into the plan (set by the cluster's StorageClass parameters). */
export const VOLUME_BACKUP_TAG = { key: 'lakehouse-ops/backup', value: 'true' } as const;

export interface VolumeBackupPlanProps {
  readonly config: EnvironmentConfig;
  readonly key: IKey;
}

/**
 * AWS Backup for the EBS volumes behind MinIO and PostgreSQL: a vault in the primary region, a
 * plan on the environment's cadence (daily, or hourly in production: AWS Backup has no continuous
 * backup for EBS) keeping recovery points for the retention, each copied to the DR-region vault
 * of the BackupStack, for every volume tagged lakehouse-ops/backup=true. The same vault and role
 * serve the backup workflow's on-demand jobs.
 */
export class VolumeBackupPlan extends Construct {
  readonly vault: IBackupVault;
  readonly serviceRole: Role;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: VolumeBackupPlanProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `lakehouse-ops-${config.name}`;
    const isProduction = config.name === 'production';

    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: prefix,
      encryptionKey: props.key,
      removalPolicy: isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.serviceRole = new Role(this, 'ServiceRole', {
      assumedBy: new ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup takes and copies the ${prefix} volume snapshots as this role`,
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
      ],
    });
    Validations.of(this.serviceRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup documents this managed service-role policy for backup roles; it follows the EBS and EC2 APIs AWS Backup calls as they change',
    });

    const drVaultArn = Stack.of(this).formatArn({
      service: 'backup',
      region: config.drRegion,
      resource: 'backup-vault',
      resourceName: drBackupVaultName(config),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const retention = Duration.days(config.backup.retentionDays);
    this.plan = new BackupPlan(this, 'Plan', {
      backupPlanName: `${prefix}-volumes`,
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: `${config.backup.cadence}-volume-snapshots`,
          scheduleExpression:
            config.backup.cadence === 'hourly'
              ? Schedule.cron({ minute: '0' })
              : Schedule.cron({ minute: '0', hour: '3' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(config.backup.cadence === 'hourly' ? 2 : 8),
          deleteAfter: retention,
          copyActions: [
            {
              destinationBackupVault: BackupVault.fromBackupVaultArn(this, 'DrVault', drVaultArn),
              deleteAfter: retention,
            },
          ],
        }),
      ],
    });
    this.plan.addSelection('TaggedVolumes', {
      backupSelectionName: `${prefix}-tagged-volumes`,
      role: this.serviceRole,
      resources: [BackupResource.fromTag(VOLUME_BACKUP_TAG.key, VOLUME_BACKUP_TAG.value)],
    });
  }
}
