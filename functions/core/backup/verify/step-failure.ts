import * as z from 'zod/mini';
import { InvalidInputError } from '../../../commons/errors.ts';
import { caughtSchema, causeText } from '../../provision/report.ts';
import type { BackupVerdict } from '../verify.ts';
import { verificationPlanSchema } from '../verify.ts';
import { verifyBackupRequestSchema } from '../verify-request.ts';

/**
 * A verify-backup step that ended with an error (a shard's ManifestTamperedError, a Lambda timeout,
 * AccessDenied, an emptied bucket, a missing manifest) is a FAILED verdict like any mismatch: the
 * workflow catches it and records this verdict, so the audit trail's newest verdict for the bucket
 * (which the DR failover gate reads) never stays an older SUCCESSFUL one.
 *
 * A failure of LoadVerificationPlan comes with the request instead of the plan: the run is then the
 * requested one, or UNRESOLVED_RUN_ID when the newest run was asked for (the error's message names
 * the run when the plan got as far as picking it).
 */

/** The run id of a verdict whose plan failed before it picked the run. Never a real run id. */
export const UNRESOLVED_RUN_ID = 'unresolved';

/** The steps whose errors the workflow turns into a verdict. */
export const VERIFICATION_STEPS = ['LoadVerificationPlan', 'CheckBackupSample'] as const;

export const stepFailureSchema = z.object({
  step: z.enum(VERIFICATION_STEPS),
  /** The Catch's error: Error is the error name, Cause a Lambda's error JSON or plain text. */
  error: caughtSchema,
  /** Known once LoadVerificationPlan succeeded. */
  plan: z.optional(verificationPlanSchema),
  /** The execution input, for a failure of LoadVerificationPlan: a valid one, else no verdict. */
  request: z.optional(verifyBackupRequestSchema),
});
export type StepFailure = z.output<typeof stepFailureSchema>;

/** Which bucket and run the failed verification was about, and who asked for it. */
function subjectOf(failure: StepFailure) {
  if (failure.plan) return failure.plan;
  const { request } = failure;
  if (!request) {
    throw new InvalidInputError(
      `the failure of ${failure.step} names neither the plan nor the request: expected one of them to say which backup failed verification`,
      { step: failure.step },
    );
  }
  return {
    sourceBucket: request.sourceBucket,
    runId: request.runId ?? UNRESOLVED_RUN_ID,
    requestedBy: request.requestedBy,
    sampleSize: 0,
    liveObjects: 0,
    manifest: undefined,
  };
}

export function stepFailureVerdict(failure: StepFailure): BackupVerdict {
  const subject = subjectOf(failure);
  const error = failure.error.Error;
  const message = causeText(failure.error.Cause) || '(no cause given)';
  const reason = `${failure.step} failed: ${error}: ${message}`;
  const manifest: BackupVerdict['manifest'] =
    error === 'ManifestTamperedError'
      ? { status: 'TAMPERED', detail: `${error}: ${message}` }
      : (subject.manifest ?? {
          status: 'UNCHECKED',
          detail: `not proved: ${failure.step} failed before the manifest's checksum was checked`,
        });
  return {
    workflow: 'verify-backup',
    sourceBucket: subject.sourceBucket,
    runId: subject.runId,
    status: 'FAILED',
    reasons: [reason],
    summary: `run ${subject.runId}: ${reason}`,
    checked: 0,
    mismatches: 0,
    sampleSize: subject.sampleSize,
    liveObjects: subject.liveObjects,
    manifest,
    postgres: { status: 'SKIPPED', detail: `not attempted: ${failure.step} failed`, reasons: [] },
    requestedBy: subject.requestedBy,
    failure: { step: failure.step, error, message },
  };
}
