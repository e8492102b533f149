import * as z from 'zod/mini';
import { s3ClientIn } from './commons/backup-clients.ts';
import { postgresRestoreHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import {
  checkRestorableDump,
  refuseExistingTarget,
  restoreJobName,
} from './core/backup/restore/postgres-target.ts';
import { restoreJobSettings } from './core/backup/verify/job-settings.ts';
import { dumpLocationSchema } from './core/backup/verify/postgres.ts';
import { runIdSchema } from './core/backup/verify-request.ts';
import { checkRestoreTarget, restoreDumpInto } from './core/postgres/index.ts';
import { databaseNameSchema } from './core/postgres/job-spec.ts';

const eventSchema = z.object({
  runId: runIdSchema(),
  dump: dumpLocationSchema,
  targetDatabase: databaseNameSchema,
  /** The restore execution: names its Jobs, so a retry re-attaches and a re-run starts afresh. */
  executionId: nonEmptyString(),
  /**
   * CHECK_TARGET: the workflow's preflight, nothing written: is the dump there and intact (its
   * sidecar, the dump's size and sha256 metadata), and does the database exist already?
   */
  mode: z._default(z.enum(['RESTORE', 'CHECK_TARGET']), 'RESTORE'),
  /** With CHECK_TARGET: a dry run reports a bad dump or an existing database, a real run is refused. */
  dryRun: z._default(z.boolean(), false),
});

/**
 * restore: the run's PostgreSQL dump into a new named database (RestoreTargetExistsError when it
 * exists: a restore never writes over a database), row counts compared with the dump's; or, with
 * mode CHECK_TARGET, before the workflow writes anything: the dump's sidecar and object
 * (DumpIncompleteError), then the same Job in its check-only mode.
 */
export const handler = createHandler(
  { name: 'restore-postgres-dump', environment: postgresRestoreHandlerEnvironment, event: eventSchema },
  async ({ dump, targetDatabase, executionId, mode, dryRun }, { env }) => {
    const deps = { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), s3: s3ClientIn(env.BACKUP_BUCKET_REGION) };
    const spec = {
      ...restoreJobSettings(env),
      source: { bucket: dump.bucket, key: dump.key },
      targetDatabase,
    };
    if (mode === 'CHECK_TARGET') {
      // First, and without a Job: a dump that cannot be restored refuses a real run right here.
      const dumpState = await checkRestorableDump(deps.s3, spec.source, dryRun);
      const name = restoreJobName('pg-restore-check', targetDatabase, executionId);
      // A check Job holds no result worth keeping a day: gone an hour after it ends.
      const check = await checkRestoreTarget(deps, { ...spec, name, ttlSecondsAfterFinished: 3600 });
      return { ...refuseExistingTarget(check, dryRun), dumpState };
    }
    const name = restoreJobName('pg-restore', targetDatabase, executionId);
    const result = await restoreDumpInto(deps, { ...spec, name });
    return { targetDatabase, job: result.job, comparison: result.comparison };
  },
);
