import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { postgresCheckSchema } from './core/backup/verify/postgres.ts';
import { buildBackupVerdict, sampleResultSchema, verificationPlanSchema } from './core/backup/verify.ts';

const eventSchema = z.object({
  plan: verificationPlanSchema,
  samples: z.array(sampleResultSchema),
  postgres: postgresCheckSchema,
  executionId: z.optional(z.string()),
});

/** verify-backup step 4: the verdict, into the audit trail and as the VerifyBackupSucceeded metric. */
export const handler = createHandler(
  { name: 'record-backup-verdict', environment: auditHandlerEnvironment, event: eventSchema },
  async ({ plan, samples, postgres, executionId }, { env, logger, metrics }) => {
    const verdict = buildBackupVerdict(plan, samples, postgres);
    await writeAuditRecord(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      {
        workflow: 'verify-backup',
        action: 'record-verdict',
        target: `${plan.sourceBucket}@${plan.runId}`,
        decision: verdict.status,
        after: verdict,
        actor: plan.requestedBy,
        executionId,
      },
    );
    metrics.addDimension('sourceBucket', plan.sourceBucket);
    metrics.addMetric('VerifyBackupSucceeded', 'Count', verdict.status === 'SUCCESSFUL' ? 1 : 0);
    logger.info('backup verified', { status: verdict.status, reasons: verdict.reasons.slice(0, 5) });
    return { ...verdict, environment: env.ENVIRONMENT_NAME };
  },
);
