import { executionTag } from '../../postgres/execution-names.ts';
import { type RestoreTargetCheck, RestoreTargetExistsError } from '../../postgres/index.ts';

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
