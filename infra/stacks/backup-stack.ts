import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { BackupVault } from 'aws-cdk-lib/aws-backup';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { accessLogBucket } from '../constructs/access-log-bucket.ts';
import {
  backupBucketName,
  backupKeyAlias,
  drBackupVaultName,
  opsReplicaKeyAlias,
  replicaBucketName,
} from './backup-naming.ts';

export interface BackupStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The backup's object copies and database dumps; manifests and run files stay in Standard. */
const TIERED_PREFIXES = ['data/', 'postgres/'];
/** S3 bills smaller objects as 128 KiB in the infrequent tiers: tiering them costs more. */
const SMALLEST_TIERED_OBJECT_BYTES = 128 * 1024;

/** Work-in-progress files of a run (runs/<bucket>/<runId>/) left behind by a failed run. */
const RUN_FILES_EXPIRY = Duration.days(14);

/**
 * The disaster-recovery side of the backups, deployed to the environment's drRegion: the backup
 * bucket that the backup workflow copies MinIO into (docs/backup.md), its KMS key, its access-log
 * bucket, and the vault that receives the AWS Backup plan's copies of the volume snapshots.
 */
export class BackupStack extends Stack {
  readonly bucket: Bucket;
  readonly key: Key;
  readonly drVault: BackupVault;
  /** The continuous replica of every MinIO bucket (docs/dr.md). */
  readonly replicaBucket: Bucket;
  /** Encrypts the DR region's replica of the ops table (the OpsStack's global table). */
  readonly opsReplicaKey: Key;

  constructor(scope: Construct, id: string, props: BackupStackProps) {
    super(scope, id, props);
    const { config } = props;
    const isProduction = config.name === 'production';

    this.key = new Key(this, 'BackupKey', {
      alias: backupKeyAlias(config),
      description: `Encrypts the lakehouse-ops ${config.name} backups (objects, manifests, dumps, volume copies)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Its own key, not the backup key: the ops table holds audit and locks, not backups, and
    // whoever may decrypt backups need not read the failover journal, nor the reverse.
    this.opsReplicaKey = new Key(this, 'OpsReplicaKey', {
      alias: opsReplicaKeyAlias(config),
      description: `Encrypts the DR region's replica of the lakehouse-ops ${config.name} ops table`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = accessLogBucket(this, 'AccessLogBucket', config.logRetentionDays);
    // Both DR-region buckets: the stack's key, TLS only, never public, access-logged.
    const protectedBucket = (logPrefix: string) => ({
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: logPrefix,
    });

    this.bucket = new Bucket(this, 'BackupBucket', {
      bucketName: backupBucketName(config),
      ...protectedBucket('backup-bucket/'),
      // Data keys are content-addressed and never overwritten; versioning keeps what prune or a
      // mistake deletes for the retention period, as a second line of defence.
      versioned: true,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        { id: 'expire-abandoned-run-files', prefix: 'runs/', expiration: RUN_FILES_EXPIRY },
        // Storage tiering (infra/config/storage-tiering-config.ts): copies and dumps age into cheaper
        // tiers that still read at once, as verify-backup, restore and dr-failover need.
        ...TIERED_PREFIXES.map((prefix) => ({
          id: `tier-${prefix.replace(/\/$/, '')}`,
          prefix,
          objectSizeGreaterThan: SMALLEST_TIERED_OBJECT_BYTES,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(config.storageTiering.drBucket.infrequentAccessAfterDays),
            },
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(config.storageTiering.drBucket.archiveAfterDays),
            },
          ],
        })),
        {
          id: 'expire-deleted-versions',
          noncurrentVersionExpiration: Duration.days(config.backup.retentionDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Validations.of(this.bucket.node.defaultChild as IConstruct).acknowledge({
      id: 'CloudFormation-Validate::W9003',
      reason:
        'aws-cdk-lib types the lifecycle rule ObjectSizeGreaterThan as a number where the CloudFormation schema says string; CloudFormation takes the number (the validator coerces it, as the deployment does)',
    });

    this.replicaBucket = new Bucket(this, 'ReplicaBucket', {
      bucketName: replicaBucketName(config),
      ...protectedBucket('replica-bucket/'),
      // A delete at the source becomes a delete marker here: a failover or failback never loses
      // an object to a replicated mistake within the retention, and failback can tell deleted
      // objects from ones never replicated.
      versioned: true,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        {
          id: 'expire-replaced-versions',
          noncurrentVersionExpiration: Duration.days(config.backup.retentionDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.drVault = new BackupVault(this, 'DrBackupVault', {
      backupVaultName: drBackupVaultName(config),
      encryptionKey: this.key,
      removalPolicy: isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // AWS Backup copies recovery points into this vault as the backup service, through the key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('backup.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    new CfnOutput(this, 'BackupBucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'ReplicaBucketName', { value: this.replicaBucket.bucketName });
    new CfnOutput(this, 'DrBackupVaultArn', { value: this.drVault.backupVaultArn });
  }
}
