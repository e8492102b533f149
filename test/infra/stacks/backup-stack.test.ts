import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { backupBucketName } from '../../../infra/stacks/backup-naming.ts';
import { synthesizeEnvironment } from '../template-helpers.ts';

const templates = {} as Record<EnvironmentName, Template>;
const stackOf = {} as Record<EnvironmentName, { region: string; dependencies: string[] }>;

beforeAll(() => {
  for (const name of ENVIRONMENT_NAMES) {
    const { backupStack, opsStack } = synthesizeEnvironment(name);
    templates[name] = Template.fromStack(backupStack);
    stackOf[name] = {
      region: backupStack.region,
      dependencies: opsStack.dependencies.map((stack) => stack.stackName),
    };
  }
}, 180_000);

describe.each(ENVIRONMENT_NAMES)('BackupStack (%s)', (name) => {
  const config = loadEnvironmentConfig(name);
  const template = () => templates[name];

  it('deploys to the DR region before the ops stack', () => {
    expect(stackOf[name].region).toBe(config.drRegion);
    expect(stackOf[name].dependencies).toContain(`lakehouse-ops-${name}-backup`);
  });

  it('names the backup bucket deterministically and encrypts it with its rotating key', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketName: {
        'Fn::Join': ['', [`lakehouse-ops-${name}-backup-`, { Ref: 'AWS::AccountId' }, `-${config.drRegion}`]],
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupKey'), 'Arn'] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'backup-bucket/' }),
    });
    template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template().hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/lakehouse-ops-${name}-backup` });
    expect(backupBucketName(config, '123456789012').length).toBeLessThanOrEqual(63);
  });

  it('aborts incomplete uploads, expires abandoned run files and old deleted versions', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 14 }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: config.backup.retentionDays } }),
        ]),
      },
    });
  });

  it('tiers the copies and dumps to Standard-IA, then Glacier Instant Retrieval, and leaves small objects', () => {
    const { infrequentAccessAfterDays, archiveAfterDays } = config.storageTiering.drBucket;
    for (const prefix of ['data/', 'postgres/']) {
      template().hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Prefix: prefix,
              ObjectSizeGreaterThan: 128 * 1024,
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: infrequentAccessAfterDays },
                { StorageClass: 'GLACIER_IR', TransitionInDays: archiveAfterDays },
              ],
            }),
          ]),
        },
      });
    }
  });

  it('refuses requests without TLS', () => {
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('holds the DR vault that the volume snapshots are copied to', () => {
    template().hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: `lakehouse-ops-${name}-dr`,
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupKey'), 'Arn'] },
    });
  });

  it('holds the versioned replica bucket that continuous replication keeps current, with its own retention', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketName: {
        'Fn::Join': [
          '',
          [`lakehouse-ops-${name}-replica-`, { Ref: 'AWS::AccountId' }, `-${config.drRegion}`],
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
          }),
        ],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-replaced-versions',
            NoncurrentVersionExpiration: { NoncurrentDays: config.backup.retentionDays },
            ExpiredObjectDeleteMarker: true,
          }),
        ]),
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
  });

  it("holds the rotating key of the ops table's DR replica, under the alias the OpsStack names", () => {
    template().hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/lakehouse-ops-${name}-ops-replica`,
      TargetKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OpsReplicaKey'), 'Arn'] },
    });
    template().hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('ops table'),
      EnableKeyRotation: true,
    });
  });
});
