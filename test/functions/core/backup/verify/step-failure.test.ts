import { describe, expect, it } from 'vitest';
import {
  stepFailureVerdict,
  UNRESOLVED_RUN_ID,
} from '../../../../../functions/core/backup/verify/step-failure.ts';
import { verificationPlan } from '../../../support/backup-handler-harness.ts';

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: ['at x'] });

describe('stepFailureVerdict', () => {
  it('fails the planned run with the step, the error name and the Lambda error message', () => {
    const plan = verificationPlan();
    const verdict = stepFailureVerdict({
      step: 'CheckBackupSample',
      plan,
      error: { Error: 'AccessDenied', Cause: lambdaCause('AccessDenied', 'GetObject data/x: Access Denied') },
    });

    expect(verdict).toMatchObject({
      status: 'FAILED',
      sourceBucket: plan.sourceBucket,
      runId: plan.runId,
      reasons: ['CheckBackupSample failed: AccessDenied: GetObject data/x: Access Denied'],
      summary: `run ${plan.runId}: CheckBackupSample failed: AccessDenied: GetObject data/x: Access Denied`,
      checked: 0,
      sampleSize: plan.sampleSize,
      manifest: plan.manifest,
      postgres: { status: 'SKIPPED', detail: 'not attempted: CheckBackupSample failed' },
      requestedBy: plan.requestedBy,
    });
  });

  it('marks the manifest TAMPERED when the error is ManifestTamperedError', () => {
    const verdict = stepFailureVerdict({
      step: 'CheckBackupSample',
      plan: verificationPlan(),
      error: { Error: 'ManifestTamperedError', Cause: lambdaCause('ManifestTamperedError', 'm changed') },
    });

    expect(verdict.manifest).toEqual({ status: 'TAMPERED', detail: 'ManifestTamperedError: m changed' });
  });

  it('names the requested run of a failed plan, or the unresolved run, with the manifest UNCHECKED', () => {
    const error = { Error: 'States.Timeout', Cause: '' };
    const requested = stepFailureVerdict({
      step: 'LoadVerificationPlan',
      request: {
        sourceBucket: 'lake',
        runId: '20260301T000000Z-0a1b2c3d',
        share: 1,
        minimum: 0,
        includePostgres: true,
        requestedBy: 'ops',
      },
      error,
    });
    const newest = stepFailureVerdict({
      step: 'LoadVerificationPlan',
      request: { sourceBucket: 'lake', share: 1, minimum: 0, includePostgres: true, requestedBy: 'ops' },
      error,
    });

    expect(requested).toMatchObject({ runId: '20260301T000000Z-0a1b2c3d', requestedBy: 'ops' });
    expect(newest).toMatchObject({
      runId: UNRESOLVED_RUN_ID,
      reasons: ['LoadVerificationPlan failed: States.Timeout: (no cause given)'],
      manifest: { status: 'UNCHECKED' },
    });
  });

  it('refuses a failure that names neither the plan nor the request', () => {
    expect(() =>
      stepFailureVerdict({ step: 'LoadVerificationPlan', error: { Error: 'States.Timeout', Cause: '' } }),
    ).toThrow(/neither the plan nor the request/);
  });
});
