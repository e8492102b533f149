import { restoreHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { restoreDependencies } from './core/backup/restore/minio-deps.ts';
import { planRestore } from './core/backup/restore.ts';
import { restoreRequestSchema } from './core/backup/restore-request.ts';

/** Objects listed in the output; the totals cover all (Step Functions payloads stop at 256 KB). */
const LISTED_OBJECTS = 200;

/** restore step 1 (the whole dry run): validates the input and lists what would be written. */
export const handler = createHandler(
  { name: 'plan-restore', environment: restoreHandlerEnvironment, event: restoreRequestSchema },
  async (request, { env, logger }) =>
    planRestore(await restoreDependencies(env, logger), request, { listLimit: LISTED_OBJECTS }),
);
