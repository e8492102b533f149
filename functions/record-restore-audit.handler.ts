import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';

const eventSchema = z.object({
  plan: z.looseObject({
    sourceBucket: nonEmptyString(),
    runId: nonEmptyString(),
    prefix: z.string(),
    targetBucket: nonEmptyString(),
    requestedBy: nonEmptyString(),
    restoreObjects: z.optional(z.boolean()),
    postgres: z.optional(z.nullable(z.looseObject({ targetDatabase: nonEmptyString() }))),
  }),
  decision: z.enum(['DRY_RUN', 'RESTORED', 'REFUSED', 'FAILED']),
  outcome: z.optional(z.unknown()),
  executionId: z.optional(z.string()),
});

/** restore's audit steps: what was decided (dry run, restored, refused, failed), with the plan and the outcome. */
export const handler = createHandler(
  { name: 'record-restore-audit', environment: auditHandlerEnvironment, event: eventSchema },
  async ({ plan, decision, outcome, executionId }, { env }) =>
    writeAuditRecord(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      {
        workflow: 'restore',
        ...auditedTarget(plan),
        decision,
        before: plan,
        after: outcome,
        actor: plan.requestedBy,
        executionId,
      },
    ),
);

/** A restore of the dump only writes no object: its history is the database's, not a bucket's. */
function auditedTarget(plan: z.output<typeof eventSchema>['plan']) {
  return plan.restoreObjects === false && plan.postgres
    ? { action: 'restore-postgres-dump', target: `postgres/${plan.postgres.targetDatabase}` }
    : { action: 'restore-objects', target: `${plan.targetBucket}/${plan.prefix}` };
}
