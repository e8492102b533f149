import * as z from 'zod/mini';
import { restoreHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { restoreDependencies } from './core/backup/restore/minio-deps.ts';
import { restoreObjects } from './core/backup/restore.ts';
import { bucketNameSchema, runIdSchema } from './core/backup/verify-request.ts';

/** The plan's selection: the resolved run, so the write restores exactly what the plan listed. */
const eventSchema = z.object({
  sourceBucket: bucketNameSchema(),
  runId: runIdSchema(),
  prefix: z.string(),
  targetBucket: bucketNameSchema(),
});

/** restore steps 2-4: preflight (RestoreConflictError, nothing written), write, verify each object. */
export const handler = createHandler(
  { name: 'restore-objects', environment: restoreHandlerEnvironment, event: eventSchema },
  async (selection, { env, logger }) => restoreObjects(await restoreDependencies(env, logger), selection),
);
