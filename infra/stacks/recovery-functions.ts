import { Duration } from 'aws-cdk-lib';
import {
  auditHandlerEnvironment,
  backupReaderHandlerEnvironment,
  postgresRestoreHandlerEnvironment,
  restoreHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { auditPartitionKey } from '../../functions/core/audit/audit-trail.ts';
import { RESTORE_HANDLERS, RESTORE_WORKFLOW, type RestoreHandler } from '../../workflows/restore.workflow.ts';
import {
  VERIFY_BACKUP_HANDLERS,
  VERIFY_BACKUP_WORKFLOW,
  type VerifyBackupHandler,
} from '../../workflows/verify-backup.workflow.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import {
  type BackupFunctionSetup,
  DATA,
  type FunctionBuilder,
  MANIFESTS,
  POSTGRES,
  STREAMING_STEP,
} from './backup-function-setup.ts';

/**
 * The functions of verify-backup and restore: the recovery side of the backup bucket. They only
 * read it (manifests/, data/, postgres/), never write it; restore writes MinIO, and the record
 * steps write only their own workflow's audit items.
 */
export type RecoveryFunctionName = Exclude<VerifyBackupHandler | RestoreHandler, 'notify'>;

export function isRecoveryFunctionName(name: string): name is RecoveryFunctionName {
  return RECOVERY_FUNCTION_NAMES.has(name);
}
const RECOVERY_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  [...VERIFY_BACKUP_HANDLERS, ...RESTORE_HANDLERS].filter((name) => name !== 'notify'),
);

/** The deployment of each verify-backup and restore handler: environment, timeout and grants. */
export function createRecoveryFunction(
  name: RecoveryFunctionName,
  build: FunctionBuilder,
  setup: BackupFunctionSetup,
): OpsFunction {
  const { config, resources, bucketEnvironment: bucket } = setup;
  const audit = { OPS_TABLE_NAME: resources.opsTable.tableName, ENVIRONMENT_NAME: config.name };
  const auditItemsOf = (workflow: string) => `${auditPartitionKey(workflow, '')}*`;

  switch (name) {
    case 'load-verification-plan': {
      const fn = build({
        environmentSchema: backupReaderHandlerEnvironment,
        reaches: [],
        environment: bucket,
        // Streams the whole manifest to prove its checksum before the sample is drawn.
        ...STREAMING_STEP,
        description: 'verify-backup: pick the run, prove its manifest, fix the sample',
      });
      setup.grantBucket(fn).list([MANIFESTS]).read([MANIFESTS]).decrypt();
      return fn;
    }
    case 'verify-backup-sample': {
      const fn = build({
        environmentSchema: backupReaderHandlerEnvironment,
        reaches: [],
        environment: bucket,
        ...STREAMING_STEP,
        description: 'verify-backup: re-read one shard of the sample and compare SHA-256',
      });
      setup.grantBucket(fn).existenceChecks().read([MANIFESTS, DATA]).decrypt();
      return fn;
    }
    case 'verify-postgres-dump':
    case 'restore-postgres-dump': {
      const fn = build({
        environmentSchema: postgresRestoreHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: setup.postgresJobEnvironment,
        // The core waits up to 10 minutes for the pg_restore Job, as dump-postgres for pg_dump.
        timeout: Duration.minutes(12),
        description:
          name === 'verify-postgres-dump'
            ? 'verify-backup: restore the dump into a scratch database and compare row counts'
            : 'restore: the dump of a run into a new named database',
      });
      setup.grantDescribeCluster(fn);
      setup.grantBucket(fn).existenceChecks().read([POSTGRES]).decrypt();
      return fn;
    }
    case 'plan-restore':
    case 'restore-objects': {
      const fn = build({
        environmentSchema: restoreHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: { ...setup.minio, ...bucket },
        ...STREAMING_STEP,
        description:
          name === 'plan-restore'
            ? 'restore: pick the run and compare it with the target: what would be written, skipped or refused'
            : 'restore: preflight, write and verify the objects in MinIO',
      });
      setup.grantMinio(fn);
      const reads = name === 'plan-restore' ? [MANIFESTS] : [MANIFESTS, DATA];
      setup.grantBucket(fn).existenceChecks().read(reads).decrypt();
      return fn;
    }
    case 'record-backup-verdict':
    case 'record-restore-audit': {
      const workflow = name === 'record-backup-verdict' ? VERIFY_BACKUP_WORKFLOW : RESTORE_WORKFLOW;
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: audit,
        timeout: Duration.seconds(15),
        description: `${workflow}: write the decision to the audit trail`,
      });
      // UpdateItem, not PutItem: a retried step confirms its record without moving its time
      // (functions/core/audit/audit-trail.ts); both are confined to the workflow's audit items.
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], auditItemsOf(workflow));
      return fn;
    }
  }
}
