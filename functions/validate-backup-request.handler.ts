import * as z from 'zod/mini';
import { validateBackupRequestHandlerEnvironment } from './commons/environment.ts';
import { ConfigurationError } from './commons/errors.ts';
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
    const request = buildBackupRequest(input, defaultBuckets(env.BACKUP_SOURCE_BUCKETS), new Date());
    logger.info('backup requested', { request });
    return request;
  },
);

/** A bad default list is the deployment's fault, not the operator's input: say so, and where. */
function defaultBuckets(list: string): string[] {
  try {
    return parseBucketList(list);
  } catch (error) {
    const problem = `BACKUP_SOURCE_BUCKETS: ${(error as Error).message}`;
    throw new ConfigurationError(`validate-backup-request: invalid environment: ${problem}`, {
      handler: 'validate-backup-request',
      problems: [problem],
    });
  }
}
