import { z } from 'zod';
import type { PublishedNotification } from '../../aws-sim/sns.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { CORRUPTED_KEY, corruptBackupCopy, DRILL_BUCKET } from './backup-fixtures.ts';
import { BACKUP_REQUIRES } from './backup-scenarios.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import { type DrillScenario, type ScenarioVerdict, scenarioWithFixture } from './scenarios.ts';

/**
 * The drill's verify-backup scenarios, after the first backup: the backup verifies (manifest
 * checksum, a sample's SHA-256s, the PostgreSQL dump restored into a scratch database with the
 * dump's row counts), then one bit of one backed-up copy rots and verify-backup must fail naming
 * it, and notify. The copy is repaired once the verdict is judged.
 */
export const VERIFY_BACKUP_WORKFLOW = 'verify-backup';
/** workflows/verify-backup.workflow.ts fails the execution with this error, the verdict as cause. */
const VERIFICATION_FAILED_ERROR = 'BackupVerificationFailed';
const REQUESTED_BY = 'lakehouse-ops-drill';

/** The verdict fields the drill reads (functions/core/backup/verify.ts builds the verdict). */
const verdictSchema = z.object({
  sourceBucket: z.string(),
  runId: z.string(),
  status: z.enum(['SUCCESSFUL', 'FAILED']),
  reasons: z.array(z.string()),
  checked: z.number(),
  mismatches: z.number(),
  sampleSize: z.number(),
  liveObjects: z.number(),
  manifest: z.object({ status: z.string(), detail: z.string() }),
  postgres: z.object({ status: z.string(), detail: z.string(), reasons: z.array(z.string()) }),
});
export type VerificationDrillVerdict = z.infer<typeof verdictSchema>;

export interface VerificationExpectation {
  readonly verdict: 'SUCCESSFUL' | 'FAILED';
  /** Source keys whose backup copies must be named as mismatching; no other copy may mismatch. */
  readonly mismatchedKeys: readonly string[];
  /** Every live object must have been checked (a share of 1), not only a sample. */
  readonly everyObject: boolean;
  /** The PostgreSQL check must have come out so; any status is accepted when absent. */
  readonly postgres?: 'MATCH';
}

export function verdictOf(result: ExecutionResult): VerificationDrillVerdict | undefined {
  return documentOf(result, verdictSchema, VERIFICATION_FAILED_ERROR);
}

/** How a verify-backup run differs from what the scenario predicts; empty when it behaved. */
export function verificationProblems(
  expectation: VerificationExpectation,
  result: ExecutionResult,
  verdict: VerificationDrillVerdict | undefined,
  notifications: readonly PublishedNotification[],
): string[] {
  if (!verdict) return [`no verification verdict: ${describeExecution(result)}`];
  const problems: string[] = [];
  const failing = expectation.verdict === 'FAILED';
  const expectedStatus = failing ? 'FAILED' : 'SUCCEEDED';
  if (verdict.status !== expectation.verdict)
    problems.push(
      `verdict is ${verdict.status}, expected ${expectation.verdict}${verdict.reasons.length > 0 ? ` (${verdict.reasons.join('; ')})` : ''}`,
    );
  if (result.status !== expectedStatus)
    problems.push(`execution ${result.status}, expected ${expectedStatus}`);
  if (verdict.manifest.status !== 'VERIFIED')
    problems.push(`manifest is ${verdict.manifest.status}, expected VERIFIED: ${verdict.manifest.detail}`);
  if (verdict.checked === 0) problems.push('no object was checked');
  if (verdict.checked !== verdict.sampleSize)
    problems.push(`checked ${verdict.checked} of the ${verdict.sampleSize} sampled objects`);
  if (expectation.everyObject && verdict.checked !== verdict.liveObjects)
    problems.push(`checked ${verdict.checked} of ${verdict.liveObjects} objects, expected all of them`);
  if (verdict.mismatches !== expectation.mismatchedKeys.length)
    problems.push(`${verdict.mismatches} mismatching objects, expected ${expectation.mismatchedKeys.length}`);
  for (const key of expectation.mismatchedKeys) {
    if (!verdict.reasons.some((reason) => reason.startsWith(`${key} `)))
      problems.push(`no reason names ${key}: ${verdict.reasons.join('; ') || '(no reasons)'}`);
  }
  if (expectation.postgres && verdict.postgres.status !== expectation.postgres)
    problems.push(
      `postgres check is ${verdict.postgres.status}, expected ${expectation.postgres}: ${verdict.postgres.detail}`,
    );
  if (failing && notifications.length === 0) problems.push('no notification was published');
  if (!failing && notifications.length > 0)
    problems.push(`unexpected notification: ${notifications.map((n) => n.subject).join(', ')}`);
  return problems;
}

function judge(
  expectation: VerificationExpectation,
  result: ExecutionResult,
  notifications: readonly PublishedNotification[],
  extraDetails: readonly string[] = [],
): ScenarioVerdict {
  const verdict = verdictOf(result);
  const problems = verificationProblems(expectation, result, verdict, notifications);
  return {
    passed: problems.length === 0,
    problems,
    reportStatus: verdict?.status,
    details: verdict
      ? [
          `${verdict.sourceBucket} run ${verdict.runId}: manifest ${verdict.manifest.status}, ${verdict.checked} of ${verdict.liveObjects} objects re-read, ${verdict.mismatches} mismatched`,
          `postgres ${verdict.postgres.status}: ${verdict.postgres.detail}`,
          ...verdict.reasons.map((reason) => `reason: ${reason}`),
          ...extraDetails,
        ]
      : [...extraDetails],
  };
}

export const VERIFY_BACKUP_SCENARIO: DrillScenario = {
  id: 'verify-backup',
  title: 'verify-backup: manifest checksum, sampled SHA-256s, PostgreSQL row counts',
  workflow: VERIFY_BACKUP_WORKFLOW,
  requires: BACKUP_REQUIRES,
  // The scheduled input: a 5 % sample of at least 20 objects, the newest always among them.
  input: { sourceBucket: DRILL_BUCKET, requestedBy: REQUESTED_BY },
  evaluate: (result, { notifications }) =>
    judge(
      { verdict: 'SUCCESSFUL', mismatchedKeys: [], everyObject: false, postgres: 'MATCH' },
      result,
      notifications,
    ),
};

export const CORRUPTED_BACKUP_SCENARIO: DrillScenario = scenarioWithFixture({
  id: 'verify-backup-corrupted',
  title: 'Corrupted backup copy: verify-backup FAILS and names it',
  workflow: VERIFY_BACKUP_WORKFLOW,
  requires: BACKUP_REQUIRES,
  // Every object, so the corrupted one is certainly re-read; the dump was proven by the run before.
  input: { sourceBucket: DRILL_BUCKET, share: 1, includePostgres: false, requestedBy: REQUESTED_BY },
  inject: (lakehouse) => corruptBackupCopy(lakehouse, DRILL_BUCKET, CORRUPTED_KEY),
  evaluate: (result, { notifications }, corrupted) =>
    judge({ verdict: 'FAILED', mismatchedKeys: [CORRUPTED_KEY], everyObject: true }, result, notifications, [
      `corrupted ${corrupted.destKey}: one bit flipped, size and sha256 metadata kept (SHA-256 ${corrupted.recordedSha256} -> ${corrupted.corruptedSha256}); repaired after the verdict`,
    ]),
});

export const VERIFY_BACKUP_DRILL_SCENARIOS: readonly DrillScenario[] = [
  VERIFY_BACKUP_SCENARIO,
  CORRUPTED_BACKUP_SCENARIO,
];
