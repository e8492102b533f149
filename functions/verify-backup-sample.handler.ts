import * as z from 'zod/mini';
import { asBackupLogger, backupDestination } from './commons/backup-clients.ts';
import { backupReaderHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { verificationPlanSchema, verifySample } from './core/backup/verify.ts';

const eventSchema = z.object({
  plan: verificationPlanSchema,
  shard: z.object({ index: z.number(), count: z.number() }),
});

/** verify-backup step 2 (one Map item): re-reads one shard of the sample and compares SHA-256. */
export const handler = createHandler(
  { name: 'verify-backup-sample', environment: backupReaderHandlerEnvironment, event: eventSchema },
  async ({ plan, shard }, { env, logger }) =>
    verifySample({ ...backupDestination(env), logger: asBackupLogger(logger) }, plan, shard),
);
