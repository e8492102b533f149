import { dynamoDbClient } from './commons/backup-clients.ts';
import { recordFailoverStepHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverJournalEventSchema, recordFailoverStep } from './core/dr/failover/journal-event.ts';

/**
 * dr-failover's step journal: open (or continue) the failover, start a step (`skip: true` when it
 * SUCCEEDED already), finish it, close the failover. `owner` is the execution's name.
 */
export const handler = createHandler(
  {
    name: 'record-failover-step',
    environment: recordFailoverStepHandlerEnvironment,
    event: failoverJournalEventSchema,
  },
  async (event, { env }) =>
    recordFailoverStep(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      env.ENVIRONMENT_NAME,
      event,
    ),
);
