import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { sourceBucketsOf } from './commons/bucket-list.ts';
import { resyncFromReplicaHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { replicationStores } from './commons/replication-clients.ts';
import { failbackCutoff } from './core/dr/failback/cutoff.ts';
import { type NewResync, type ResyncState, resyncStep } from './core/dr/failback/passes.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';

const eventSchema = z.object({
  failoverId: failoverIdSchema,
  /** `repair` copies and deletes; `check` only counts what a repair would do. */
  mode: z.enum(['repair', 'check']),
  maxPasses: z._default(z.number().check(z.int(), z.positive(), z.maximum(20)), 5),
  maxCalls: z._default(z.number().check(z.int(), z.positive(), z.maximum(100)), 40),
  /** Fail with FailbackDiffNotEmptyError when maxPasses passes still find differences. */
  requireZeroDiff: z._default(z.boolean(), false),
  /** The previous answer, to go on with its pass or start the next; `{"status": "new"}` to begin. */
  state: z.optional(
    z.custom<ResyncState | NewResync>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ((value as { status?: unknown }).status === 'new' || ('pass' in value && 'resynced' in value)),
      'expected {"status": "new"} or the previous answer of resync-from-replica',
    ),
  ),
});

/** Leaves the call in flight, the bookkeeping and the answer enough time before the timeout. */
const TIME_RESERVE_MS = 30_000;

/**
 * dr-failback: one call of the replica -> MinIO resync (or, in check mode, of the diff count); the
 * workflow calls again with the answer until its status is `zero-diff` (or `passes-exhausted`).
 */
export const handler = createHandler(
  { name: 'resync-from-replica', environment: resyncFromReplicaHandlerEnvironment, event: eventSchema },
  async (
    { failoverId, mode, maxPasses, maxCalls, requireZeroDiff, state },
    { env, logger, metrics, context },
  ) => {
    const table = { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
    const cutoff = await failbackCutoff(table, env.ENVIRONMENT_NAME, failoverId);
    const result = await resyncStep(await replicationStores(env), {
      buckets: sourceBucketsOf('resync-from-replica', env),
      mode,
      cutoff: Date.parse(cutoff.at),
      maxPasses,
      maxCalls,
      requireZeroDiff,
      ...(state ? { state } : {}),
      deadline: Date.now() + context.getRemainingTimeInMillis() - TIME_RESERVE_MS,
      concurrency: env.REPLICATION_COPY_CONCURRENCY,
    });
    logger.info('failback resync', { failoverId, mode, status: result.status, counts: result.pass.counts });
    if (mode === 'repair') metrics.addMetric('FailbackObjectsResynced', 'Count', result.resynced.copied);
    return { failoverId, cutoff, ...result };
  },
);
