import { dynamoDbClient } from './commons/backup-clients.ts';
import { recordFailbackStepHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failbackJournalEventSchema, recordFailbackStep } from './core/dr/failback/journal.ts';

/**
 * dr-failback's journal, kept in the failover's: find the failover to fail back, start a step
 * (`skip: true` when it SUCCEEDED already), finish it, build the report, close the failover.
 */
export const handler = createHandler(
  {
    name: 'record-failback-step',
    environment: recordFailbackStepHandlerEnvironment,
    event: failbackJournalEventSchema,
  },
  async (event, { env }) =>
    recordFailbackStep(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      env.ENVIRONMENT_NAME,
      event,
    ),
);
