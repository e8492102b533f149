import * as z from 'zod/mini';
import { DR_PREFECT_FILE, drEnvironmentManifests } from '../../../../cluster-manifests/src/dr-bundle.ts';
import type { ClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { postgresLocation } from '../../../../cluster-manifests/src/identities.ts';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import { InvalidInputError } from '../../../commons/errors.ts';
import { type ApplyStageDependencies, applyStage, type StageResult } from '../../provision/apply.ts';
import { deadlineIn } from '../../provision/settings.ts';
import { failoverIdSchema } from '../failover/request.ts';
import { DrDatabaseNotRestoredError } from './errors.ts';
import { readRestoreRecord } from './restore-record.ts';

/**
 * The DR manifests in two phases around the database restore: `platform` is every file but
 * Prefect's, in file order (namespaces, RBAC, policies, storage, secrets, PostgreSQL, s5cmd,
 * monitoring); `prefect` is Prefect's server and workers, applied only once this failover's
 * restore is recorded, so the server never starts on an empty database.
 */
export const DR_APPLY_PHASES = ['platform', 'prefect'] as const;
export type DrApplyPhase = (typeof DR_APPLY_PHASES)[number];

export interface DrStage {
  readonly stage: string;
  readonly documents: Manifest[];
}

export function drStages(environment: ClusterEnvironment, phase: DrApplyPhase): DrStage[] {
  return drEnvironmentManifests(environment)
    .filter((file) => (file.file === DR_PREFECT_FILE) === (phase === 'prefect'))
    .map((file) => ({ stage: file.file, documents: file.documents }));
}

export interface DrManifestProgress {
  readonly phase: DrApplyPhase;
  /** Every stage of the phase applied so far, this one last. */
  readonly stages: StageResult[];
  /** The stage just applied: its workloads and when their rollouts must be complete (check-dr-rollout's event). */
  readonly current: { stage: string; rollouts: StageResult['rollouts']; rolloutDeadline: string };
  readonly next: number;
  readonly done: boolean;
}

export const applyDrStageEventSchema = z.object({
  failoverId: failoverIdSchema,
  phase: z.enum(DR_APPLY_PHASES),
  next: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  applied: z._default(z.array(z.custom<StageResult>()), []),
});
export type ApplyDrStageEvent = z.output<typeof applyDrStageEventSchema>;

/**
 * Server-side apply of the phase's next stage to the DR cluster, with provision's applyStage (a
 * re-run reports every object unchanged and changes nothing). One stage per call, as provision
 * does, so each Lambda stays short and the workflow waits for the stage's rollouts in between.
 */
export async function applyDrStage(
  dependencies: ApplyStageDependencies,
  environment: ClusterEnvironment,
  { failoverId, phase, next, applied }: ApplyDrStageEvent,
  rolloutTimeoutSeconds: number,
): Promise<DrManifestProgress> {
  const stages = drStages(environment, phase);
  const stage = stages[next];
  if (!stage) {
    throw new InvalidInputError(
      `stage ${next} of the DR ${phase} phase does not exist: it has ${stages.length} stages`,
      { phase, next, stages: stages.length },
    );
  }
  if (phase === 'prefect') await requireRestored(dependencies, environment, failoverId);
  const result = await applyStage(dependencies, stage.stage, stage.documents, false);
  return {
    phase,
    stages: [...applied, result],
    current: {
      stage: stage.stage,
      rollouts: result.rollouts,
      rolloutDeadline: deadlineIn(rolloutTimeoutSeconds),
    },
    next: next + 1,
    done: next + 1 >= stages.length,
  };
}

async function requireRestored(
  { kubernetes }: ApplyStageDependencies,
  environment: ClusterEnvironment,
  failoverId: string,
): Promise<void> {
  const { namespace } = postgresLocation(environment);
  const record = await readRestoreRecord(kubernetes, namespace);
  if (record?.failoverId === failoverId && record.state === 'RESTORED' && record.verdict === 'MATCH') return;
  throw new DrDatabaseNotRestoredError(
    `Prefect's DR stage waits for failover ${failoverId}'s database restore, and ${record ? `the record says ${record.state} by failover ${record.failoverId}${record.verdict ? ` (${record.verdict})` : ''}` : 'none is recorded'}: run restore-dr-database first`,
    { failoverId, record },
  );
}
