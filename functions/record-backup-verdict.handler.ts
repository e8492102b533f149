import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { InvalidInputError } from './commons/errors.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { postgresCheckSchema } from './core/backup/verify/postgres.ts';
import { stepFailureSchema, stepFailureVerdict } from './core/backup/verify/step-failure.ts';
import {
  type BackupVerdict,
  buildBackupVerdict,
  sampleResultSchema,
  verificationPlanSchema,
} from './core/backup/verify.ts';

/**
 * RecordBackupVerdict hands the comparison (plan, samples, postgres); RecordFailedVerdict a step
 * that failed (functions/core/backup/verify/step-failure.ts). One object rather than a union, so a
 * bad field is named by its path.
 */
const eventSchema = z.object({
  plan: z.optional(verificationPlanSchema),
  samples: z.optional(z.array(sampleResultSchema)),
  postgres: z.optional(postgresCheckSchema),
  failure: z.optional(stepFailureSchema),
  executionId: z.optional(z.string()),
});

function verdictOf({ plan, samples, postgres, failure }: z.output<typeof eventSchema>): BackupVerdict {
  if (failure) return stepFailureVerdict(failure);
  if (plan && samples && postgres) return buildBackupVerdict(plan, samples, postgres);
  const missing = Object.entries({ plan, samples, postgres }).flatMap(([name, value]) =>
    value === undefined ? [name] : [],
  );
  throw new InvalidInputError(
    `record-backup-verdict: invalid event: ${missing.join(', ')} missing; expected either plan, samples and postgres, or failure`,
    { missing },
  );
}

/** verify-backup step 4: the verdict, into the audit trail and as the VerifyBackupSucceeded metric. */
export const handler = createHandler(
  { name: 'record-backup-verdict', environment: auditHandlerEnvironment, event: eventSchema },
  async (event, { env, logger, metrics }) => {
    const verdict = verdictOf(event);
    await writeAuditRecord(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      {
        workflow: 'verify-backup',
        action: 'record-verdict',
        target: `${verdict.sourceBucket}@${verdict.runId}`,
        decision: verdict.status,
        after: verdict,
        actor: verdict.requestedBy,
        executionId: event.executionId,
      },
    );
    metrics.addDimension('sourceBucket', verdict.sourceBucket);
    metrics.addMetric('VerifyBackupSucceeded', 'Count', verdict.status === 'SUCCESSFUL' ? 1 : 0);
    logger.info('backup verified', { status: verdict.status, reasons: verdict.reasons.slice(0, 5) });
    return { ...verdict, environment: env.ENVIRONMENT_NAME };
  },
);
