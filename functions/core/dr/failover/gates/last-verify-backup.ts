import { evaluateGate, type GateVerdict, listInWords } from './verdict.ts';
import {
  type AuditIndexTable,
  type RecordedVerdict,
  verifyBackupVerdictsSince,
} from './verify-backup-verdicts.ts';

/**
 * The last verify-backup of every source bucket was SUCCESSFUL and recent: the newest verdict in
 * the audit trail (record-backup-verdict) must be SUCCESSFUL and younger than the configured age.
 * A newer FAILED verdict is not outweighed by an older SUCCESSFUL one: the newest proof is what
 * says whether the backups restore today.
 */
export interface LastVerifyBackupGateDependencies {
  table: AuditIndexTable;
  sourceBuckets: readonly string[];
  maxAgeHours: number;
  clock?: () => Date;
}

export interface BucketVerification {
  status: string;
  runId: string;
  verifiedAt: string;
  ageHours: number;
  reasons: string[];
}

export function lastVerifyBackupGate({
  table,
  sourceBuckets,
  maxAgeHours,
  clock = () => new Date(),
}: LastVerifyBackupGateDependencies): Promise<GateVerdict> {
  return evaluateGate('last-verify-backup', { limit: maxAgeHours, unit: 'hours' }, async () => {
    const now = clock();
    const since = new Date(now.getTime() - maxAgeHours * 3_600_000);
    const newest = newestPerBucket(await verifyBackupVerdictsSince(table, since, now));
    const perBucket: Record<string, BucketVerification | null> = {};
    const problems: string[] = [];
    for (const bucket of sourceBuckets) {
      const verdict = newest.get(bucket);
      if (!verdict) {
        perBucket[bucket] = null;
        problems.push(`${bucket} has no verify-backup verdict in the last ${maxAgeHours} h`);
        continue;
      }
      const ageHours = Math.round(((now.getTime() - Date.parse(verdict.recordedAt)) / 3_600_000) * 10) / 10;
      perBucket[bucket] = {
        status: verdict.status,
        runId: verdict.runId,
        verifiedAt: verdict.recordedAt,
        ageHours,
        reasons: verdict.reasons.slice(0, 3),
      };
      if (verdict.status !== 'SUCCESSFUL') {
        const why = verdict.reasons[0] ? ` (${verdict.reasons[0]})` : '';
        problems.push(
          `the newest verify-backup of ${bucket} (run ${verdict.runId}) is ${verdict.status}${why}`,
        );
      }
    }
    const ages = Object.values(perBucket).map((bucket) => bucket?.ageHours);
    const measured = ages.every((age) => age !== undefined) ? Math.max(...(ages as number[])) : null;
    const passed = problems.length === 0;
    return {
      passed,
      detail: passed
        ? `the newest verify-backup of ${listInWords([...sourceBuckets])} is SUCCESSFUL, at most ${measured} h old (limit ${maxAgeHours} h)`
        : `${problems.join('; ')}: run verify-backup and fail over once it is SUCCESSFUL`,
      evidence: { measured, limit: maxAgeHours, unit: 'hours', perBucket },
    };
  });
}

function newestPerBucket(verdicts: readonly RecordedVerdict[]): Map<string, RecordedVerdict> {
  const newest = new Map<string, RecordedVerdict>();
  for (const verdict of verdicts) {
    const known = newest.get(verdict.sourceBucket);
    if (!known || verdict.recordedAt > known.recordedAt) newest.set(verdict.sourceBucket, verdict);
  }
  return newest;
}
