import type { ClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { platformIdentities, postgresLocation } from '../../../../cluster-manifests/src/identities.ts';
import type { JobWait, PostgresJobDeps, RowCountComparison } from '../../postgres/index.ts';
import { restoreDumpInto } from '../../postgres/index.ts';
import { checkRollouts } from '../../provision/rollout.ts';
import { DrDatabaseMismatchError, DrDatabaseNotReadyError } from './errors.ts';
import { newestCompleteDump } from './newest-dump.ts';
import { readRestoreRecord, requireOwnRecord, writeRestoreRecord } from './restore-record.ts';

/** The backup bucket (DR region) and how the restore Job reaches it. */
export interface DrRestoreSettings {
  readonly backupBucket: string;
  readonly backupBucketRegion: string;
  /** Only for an S3-compatible endpoint (locally); AWS S3 needs none. */
  readonly s3EndpointUrl?: string;
  readonly wait?: JobWait;
  /** The pg-tools image as the DR cluster pulls it (its ECR), when not the upstream reference. */
  readonly image?: string;
}

export interface DrRestoreOutcome {
  readonly action: 'restored' | 'already-restored';
  readonly dump: { bucket: string; key: string };
  readonly job?: string;
  readonly comparison?: RowCountComparison;
}

/**
 * Restores Prefect's database in the DR cluster from the newest complete dump, once per failover:
 * the restore record (restore-record.ts) says whether this failover restored it already (nothing
 * to do), is half-way (the same dump, the same Job re-attached), or another failover owns the
 * database (DrDatabaseInUseError). The restore core's Job creates the database, so it only ever
 * lands in a database nobody wrote to; Prefect's stage is applied after it.
 */
export async function restoreDrDatabase(
  deps: PostgresJobDeps,
  environment: ClusterEnvironment,
  settings: DrRestoreSettings,
  failoverId: string,
): Promise<DrRestoreOutcome> {
  const { kubernetes } = deps;
  const location = postgresLocation(environment);
  const record = requireOwnRecord(
    await readRestoreRecord(kubernetes, location.namespace),
    failoverId,
    location.namespace,
  );
  if (record?.state === 'RESTORED') {
    const dump = { bucket: record.dumpBucket, key: record.dumpKey };
    if (record.verdict === 'MISMATCH') throw mismatch(dump, failoverId, []);
    return { action: 'already-restored', dump, ...(record.job ? { job: record.job } : {}) };
  }
  await requireDatabaseRolledOut(deps, environment);
  const chosen = record
    ? { bucket: record.dumpBucket, key: record.dumpKey }
    : await newestCompleteDump(deps.s3, settings.backupBucket, environment.backup.postgres.database);
  const pending = { failoverId, state: 'RESTORING' as const, dumpBucket: chosen.bucket, dumpKey: chosen.key };
  if (!record) await writeRestoreRecord(kubernetes, location.namespace, pending);

  const result = await restoreDumpInto(
    deps,
    {
      namespace: location.namespace,
      name: restoreJobName(failoverId),
      serviceAccountName: environment.backup.postgres.serviceAccountName,
      connection: {
        host: environment.backup.postgres.host,
        user: environment.backup.postgres.user,
        passwordSecret: location.passwordSecret,
      },
      region: settings.backupBucketRegion,
      ...(settings.s3EndpointUrl ? { s3EndpointUrl: settings.s3EndpointUrl } : {}),
      ...(settings.image ? { image: settings.image } : {}),
      source: chosen,
      targetDatabase: environment.backup.postgres.database,
    },
    settings.wait,
  );
  const { verdict } = result.comparison;
  await writeRestoreRecord(kubernetes, location.namespace, {
    ...pending,
    state: 'RESTORED',
    job: result.job.name,
    verdict,
    restoredAt: result.restored.completedAt,
  });
  if (verdict === 'MISMATCH') throw mismatch(chosen, failoverId, result.comparison.reasons);
  return { action: 'restored', dump: chosen, job: result.job.name, comparison: result.comparison };
}

/** One Job per failover: a re-run re-attaches to it (the restore core adopts a Job of the same target). */
export function restoreJobName(failoverId: string): string {
  return `pg-restore-dr-${failoverId.toLowerCase()}`;
}

async function requireDatabaseRolledOut(deps: PostgresJobDeps, environment: ClusterEnvironment) {
  const { namespace } = postgresLocation(environment);
  const name = platformIdentities(environment).postgresql.instance;
  const report = await checkRollouts(deps.kubernetes, [{ kind: 'StatefulSet', namespace, name }]);
  if (report.complete) return;
  const status = report.workloads.map((workload) => `${workload.workload}: ${workload.status}`).join('; ');
  throw new DrDatabaseNotReadyError(
    `the DR PostgreSQL is not rolled out (${status}): apply ${namespace}'s database stage and wait for it first`,
    { workloads: report.workloads },
  );
}

function mismatch(dump: { bucket: string; key: string }, failoverId: string, reasons: readonly string[]) {
  return new DrDatabaseMismatchError(
    `the DR database restored by failover ${failoverId} from s3://${dump.bucket}/${dump.key} does not have the dump's row counts${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
    { failoverId, dump, reasons },
  );
}
