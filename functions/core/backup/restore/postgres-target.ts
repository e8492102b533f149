import type { S3Client } from '@aws-sdk/client-s3';
import { executionTag } from '../../postgres/execution-names.ts';
import {
  DumpIncompleteError,
  type RestoreTargetCheck,
  RestoreTargetExistsError,
  type S3Location,
} from '../../postgres/index.ts';
import { readRestorableDump } from '../../postgres/restore.ts';

/**
 * The PostgreSQL half of a restore execution. Its Jobs are named after the execution, not the
 * run: a retried or re-invoked Lambda of the same execution re-attaches to its Job (submitJob),
 * while a re-run after a failure gets a fresh Job instead of adopting the failed one.
 */
export type RestoreJobKind = 'pg-restore' | 'pg-restore-check';

export function restoreJobName(kind: RestoreJobKind, targetDatabase: string, executionId: string): string {
  const execution = executionTag(executionId);
  const database = targetDatabase.toLowerCase().replace(/_/g, '-');
  // 63 characters at most (a DNS label); the execution hash stays whole.
  const room = 63 - kind.length - execution.length - 2;
  return `${kind}-${database.slice(0, room)}-${execution}`;
}

/** Refuses a real restore into an existing database; a dry run only reports it. */
export function refuseExistingTarget(check: RestoreTargetCheck, dryRun: boolean) {
  const detail = check.exists
    ? `database ${check.targetDatabase} already exists: a restore only creates a new database; choose another postgresDatabase, or drop or rename ${check.targetDatabase} first`
    : `database ${check.targetDatabase} does not exist yet: the restore will create it`;
  if (check.exists && !dryRun) {
    throw new RestoreTargetExistsError(`${detail}; nothing was written`, {
      targetDatabase: check.targetDatabase,
      ...check.job,
    });
  }
  return { ...check, detail };
}

/** What the check step found of the dump: whether a restore of it can start, and why (not). */
export interface RestorableDumpState {
  intact: boolean;
  detail: string;
}

/**
 * The dump's sidecar and the dump object it describes, checked before anything is written: a real
 * restore of a missing or changed dump is refused (DumpIncompleteError) before RestoreObjects
 * runs; a dry run reports it instead, next to the target database's state, so the plan shows
 * every refusal the real run would meet.
 */
export async function checkRestorableDump(
  s3: S3Client,
  source: S3Location,
  dryRun: boolean,
): Promise<RestorableDumpState> {
  try {
    const sidecar = await readRestorableDump(s3, source);
    return {
      intact: true,
      detail: `s3://${source.bucket}/${source.key} agrees with its sidecar: ${sidecar.bytes} bytes, sha256 ${sidecar.sha256}, dumped ${sidecar.completedAt}`,
    };
  } catch (error) {
    if (!(error instanceof DumpIncompleteError)) throw error;
    if (dryRun) return { intact: false, detail: `${error.message}: a real run would be refused` };
    throw new DumpIncompleteError(
      `${error.message}: the restore is refused; nothing was written`,
      error.details,
    );
  }
}
