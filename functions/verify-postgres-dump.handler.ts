import * as z from 'zod/mini';
import { s3ClientIn } from './commons/backup-clients.ts';
import { postgresRestoreHandlerEnvironment } from './commons/environment.ts';
import { InvalidInputError } from './commons/errors.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { restoreJobSettings } from './core/backup/verify/job-settings.ts';
import { verifyPostgresDump } from './core/backup/verify/postgres.ts';
import { verificationPlanSchema } from './core/backup/verify.ts';
import { restoreDumpInto } from './core/postgres/index.ts';

const eventSchema = z.object({ plan: verificationPlanSchema, executionId: nonEmptyString() });

/** verify-backup step 3: restores the run's dump into a scratch database and compares row counts. */
export const handler = createHandler(
  { name: 'verify-postgres-dump', environment: postgresRestoreHandlerEnvironment, event: eventSchema },
  async ({ plan, executionId }, { env }) => {
    const dump = plan.postgres.dump;
    if (!plan.postgres.applicable || !dump) {
      throw new InvalidInputError(`the plan has no PostgreSQL check to run: ${plan.postgres.detail}`, {});
    }
    const deps = { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), s3: s3ClientIn(env.BACKUP_BUCKET_REGION) };
    return verifyPostgresDump((spec) => restoreDumpInto(deps, spec), restoreJobSettings(env), {
      dump,
      runId: plan.runId,
      executionId,
    });
  },
);
