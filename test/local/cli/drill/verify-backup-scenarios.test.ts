import { describe, expect, it } from 'vitest';
import type { PublishedNotification } from '../../../../local/aws-sim/sns.ts';
import {
  type VerificationDrillVerdict,
  type VerificationExpectation,
  verdictOf,
  verificationProblems,
} from '../../../../local/cli/drill/verify-backup-scenarios.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';

const KEY = 'trades/exchange=kraken/date=2025-01-15/part-0000.parquet';
const mismatch = `${KEY} (backup copy data/market-data/${KEY}/0a1b) has SHA-256 bad, the manifest says good`;

const verdict = (overrides: Partial<VerificationDrillVerdict> = {}): VerificationDrillVerdict => ({
  sourceBucket: 'market-data',
  runId: '20250101T000000Z-0a1b2c3d',
  status: 'SUCCESSFUL',
  reasons: [],
  checked: 20,
  mismatches: 0,
  sampleSize: 20,
  liveObjects: 24,
  manifest: { status: 'VERIFIED', detail: 'matches' },
  postgres: { status: 'MATCH', detail: 'prefect: 6 tables', reasons: [] },
  ...overrides,
});
const succeeded = (output: unknown): ExecutionResult => ({
  workflow: 'verify-backup',
  status: 'SUCCEEDED',
  output,
  durationMs: 1,
  timeline: [],
});
const failed = (cause: unknown, error = 'BackupVerificationFailed'): ExecutionResult => ({
  workflow: 'verify-backup',
  status: 'FAILED',
  error,
  cause: typeof cause === 'string' ? cause : JSON.stringify(cause),
  durationMs: 1,
  timeline: [],
});
const notification: PublishedNotification = {
  topicArn: 'arn',
  subject: 'backup of market-data FAILED verification',
  message: '{}',
  messageId: 'id',
  at: new Date(),
};
const PASSING: VerificationExpectation = {
  verdict: 'SUCCESSFUL',
  mismatchedKeys: [],
  everyObject: false,
  postgres: 'MATCH',
};
const CATCHING: VerificationExpectation = { verdict: 'FAILED', mismatchedKeys: [KEY], everyObject: true };
const corruptedVerdict = verdict({
  status: 'FAILED',
  reasons: [mismatch],
  checked: 24,
  sampleSize: 24,
  mismatches: 1,
  postgres: { status: 'NOT_APPLICABLE', detail: 'not requested', reasons: [] },
});

describe('verdictOf', () => {
  it('reads the verdict from the output of a verified run and from the cause of a failed one', () => {
    expect(verdictOf(succeeded(verdict()))?.status).toBe('SUCCESSFUL');
    expect(verdictOf(failed(corruptedVerdict))?.reasons).toEqual([mismatch]);
  });

  it('finds no verdict in another failure or a cause that is not JSON', () => {
    expect(verdictOf(failed(corruptedVerdict, 'States.TaskFailed'))).toBeUndefined();
    expect(verdictOf(failed('{"status":'))).toBeUndefined();
  });
});

describe('verificationProblems', () => {
  it('accepts a verified backup whose sample and PostgreSQL dump matched, without a notification', () => {
    const result = succeeded(verdict());
    expect(verificationProblems(PASSING, result, verdictOf(result), [])).toEqual([]);
  });

  it('accepts a failed verification that re-read every object and named the corrupted one, and notified', () => {
    const result = failed(corruptedVerdict);
    expect(verificationProblems(CATCHING, result, verdictOf(result), [notification])).toEqual([]);
  });

  it('lists every way a run that should have caught the corruption missed it', () => {
    const missed = verdict({
      checked: 20,
      sampleSize: 20,
      postgres: { status: 'SKIPPED', detail: 'x', reasons: [] },
    });
    const result = succeeded(missed);
    expect(verificationProblems(CATCHING, result, verdictOf(result), [])).toEqual([
      'verdict is SUCCESSFUL, expected FAILED',
      'execution SUCCEEDED, expected FAILED',
      'checked 20 of 24 objects, expected all of them',
      '0 mismatching objects, expected 1',
      `no reason names ${KEY}: (no reasons)`,
      'no notification was published',
    ]);
  });

  it('fails a passing scenario on a tampered manifest, an incomplete sample, a PostgreSQL mismatch and a notification', () => {
    const bad = verdict({
      status: 'FAILED',
      reasons: ['postgres: flow_run has 3 rows, the dump says 4'],
      checked: 19,
      manifest: { status: 'TAMPERED', detail: 'ManifestTamperedError: edited' },
      postgres: { status: 'MISMATCH', detail: 'row counts differ', reasons: [] },
    });
    const result = failed(bad);
    expect(verificationProblems(PASSING, result, verdictOf(result), [notification])).toEqual([
      'verdict is FAILED, expected SUCCESSFUL (postgres: flow_run has 3 rows, the dump says 4)',
      'execution FAILED, expected SUCCEEDED',
      'manifest is TAMPERED, expected VERIFIED: ManifestTamperedError: edited',
      'checked 19 of the 20 sampled objects',
      'postgres check is MISMATCH, expected MATCH: row counts differ',
      `unexpected notification: ${notification.subject}`,
    ]);
  });

  it('says so when the execution carries no verdict', () => {
    const crashed = failed('bad input', 'InvalidInputError');
    expect(verificationProblems(PASSING, crashed, verdictOf(crashed), [])).toEqual([
      'no verification verdict: execution FAILED with InvalidInputError: bad input',
    ]);
  });
});
