import { asBackupLogger, backupDestination } from './commons/backup-clients.ts';
import { backupReaderHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { loadVerificationPlan } from './core/backup/verify.ts';
import { verifyBackupRequestSchema } from './core/backup/verify-request.ts';

/** verify-backup step 1: validates the input, proves the manifest's checksum and fixes the sample. */
export const handler = createHandler(
  {
    name: 'load-verification-plan',
    environment: backupReaderHandlerEnvironment,
    event: verifyBackupRequestSchema,
  },
  async (request, { env, logger }) =>
    loadVerificationPlan({ ...backupDestination(env), logger: asBackupLogger(logger) }, request),
);
