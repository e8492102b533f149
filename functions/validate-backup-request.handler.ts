import * as z from 'zod/mini';
import { validateBackupRequestHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { buildBackupRequest, parseBucketList } from './core/backup-workflow/request.ts';

/** First step of backup: rejects a mistyped console input, fills in the default buckets and the run id. */
export const handler = createHandler(
  {
    name: 'validate-backup-request',
    environment: validateBackupRequestHandlerEnvironment,
    event: z.unknown(),
  },
  async (input, { env, logger }) => {
    const request = buildBackupRequest(input, parseBucketList(env.BACKUP_SOURCE_BUCKETS), new Date());
    logger.info('backup requested', { request });
    return request;
  },
);
