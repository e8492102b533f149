import { runStartedAt } from './layout.ts';

/**
 * The achieved RPO of one bucket (docs/backup.md, "Report"), the one definition the backup
 * workflow's report and backupBucket share: seconds from the start of the listing of the bucket's
 * newest complete backup until `now`. A backup is complete up to the moment its listing started;
 * anything written later may be missing, and the copies of a run without a manifest restore to no
 * point in time. So the oldest write the backup may lack is that old: the age of the newest object
 * not yet in the backup, read conservatively.
 *
 * null: the bucket has never been backed up, its RPO is unbounded.
 */
export function achievedRpoSeconds(newestCompleteRunId: string | null, now: Date): number | null {
  if (newestCompleteRunId === null) return null;
  return Math.max(0, (now.getTime() - runStartedAt(newestCompleteRunId).getTime()) / 1000);
}
