import * as z from 'zod/mini';
import { restoreHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { restoreDependencies } from './core/backup/restore/minio-deps.ts';
import { restoreObjects } from './core/backup/restore.ts';
import { bucketNameSchema, runIdSchema } from './core/backup/verify-request.ts';

const count = () => z.optional(z.number().check(z.int(), z.gte(0)));

/** The previous invocation's report when the workflow loops (HasMoreToRestore); `{}` the first time. */
const progressSchema = z.looseObject({
  continueAfter: z.optional(z.nullable(z.string())),
  written: count(),
  skipped: count(),
  bytes: count(),
  verified: count(),
  failed: count(),
  failures: z.optional(z.array(z.object({ key: z.string(), reason: z.string() }))),
  createdBucket: z.optional(z.boolean()),
});

/** The plan's selection: the resolved run, so the write restores exactly what the plan listed. */
const eventSchema = z.object({
  sourceBucket: bucketNameSchema(),
  runId: runIdSchema(),
  prefix: z.string(),
  targetBucket: bucketNameSchema(),
  progress: z.optional(progressSchema),
});

/**
 * Time kept back when the Lambda stops starting objects: the objects in flight (up to the
 * multipart threshold, or a multipart object's parts) must finish and the report must return.
 */
const RESERVE_MS = 2 * 60 * 1000;

/**
 * restore steps 2-4: preflight (RestoreConflictError, nothing written), write, verify each object.
 * A selection too big for one invocation returns `continueAfter`, and the workflow calls again
 * with that report as `progress`.
 */
export const handler = createHandler(
  { name: 'restore-objects', environment: restoreHandlerEnvironment, event: eventSchema },
  async (selection, { env, logger, context }) =>
    restoreObjects(await restoreDependencies(env, logger), selection, {
      shouldStop: () => context.getRemainingTimeInMillis() < RESERVE_MS,
    }),
);
