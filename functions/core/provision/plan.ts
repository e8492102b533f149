import * as z from 'zod/mini';
import { environmentManifests } from '../../../cluster-manifests/src/bundle.ts';
import type { ClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { InvalidInputError } from '../../commons/errors.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import {
  componentOfManifest,
  expandComponents,
  PROVISION_COMPONENTS,
  type ProvisionComponent,
} from './components.ts';
import type { ProvisionRequest } from './request.ts';

/**
 * What one provision run does, in order: the node groups (with `infrastructure`), then the
 * manifests of the chosen components stage by stage, in the folder's apply order (namespaces, RBAC,
 * traffic rules, storage, secrets, then each application), then the MinIO buckets (with `minio`).
 * The plan travels through the workflow; each stage's objects are generated again where they are
 * applied, from the same sources, so no payload carries the manifests.
 */
const provisionStageSchema = z.object({
  /** The cluster-manifests file the stage's objects come from, without `.yaml`: `50-prefect`. */
  name: nonEmptyString(),
  objectCount: z.number().check(z.int(), z.nonnegative()),
});
export type ProvisionStage = z.output<typeof provisionStageSchema>;

/** The plan as it travels through the workflow into each step's event. */
export const provisionPlanSchema = z.object({
  environment: nonEmptyString(),
  /** The EKS cluster: what the run's lock and audit record are about. */
  cluster: nonEmptyString(),
  components: z.array(z.enum(PROVISION_COMPONENTS)).check(z.minLength(1)),
  dryRun: z.boolean(),
  requestedBy: nonEmptyString(),
  nodeGroups: z.boolean(),
  buckets: z.boolean(),
  stages: z.array(provisionStageSchema),
});
export type ProvisionPlan = z.output<typeof provisionPlanSchema>;

const STAGE_SUFFIX = '.yaml';

/** The chosen components' objects of each manifest file, files without any left out. */
function stagedManifests(
  environment: ClusterEnvironment,
  components: readonly ProvisionComponent[],
): { name: string; objects: Manifest[] }[] {
  const componentOf = componentOfManifest(environment.layout);
  return environmentManifests(environment)
    .map((file) => ({
      name: file.file.endsWith(STAGE_SUFFIX) ? file.file.slice(0, -STAGE_SUFFIX.length) : file.file,
      objects: file.documents.filter((document) => components.includes(componentOf(document))),
    }))
    .filter((stage) => stage.objects.length > 0);
}

export function planProvision(environment: ClusterEnvironment, request: ProvisionRequest): ProvisionPlan {
  if (request.environment !== environment.name) {
    throw new InvalidInputError(
      `environment "${request.environment}" is not the one this deployment manages: expected "${environment.name}"`,
      { requested: request.environment, configured: environment.name },
    );
  }
  const components = expandComponents(request.components);
  return {
    environment: environment.name,
    cluster: environment.clusterName,
    components,
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
    nodeGroups: components.includes('infrastructure'),
    buckets: components.includes('minio'),
    stages: stagedManifests(environment, components).map(({ name, objects }) => ({
      name,
      objectCount: objects.length,
    })),
  };
}

/** The objects of one planned stage, in apply order. */
export function stageObjects(
  environment: ClusterEnvironment,
  components: readonly ProvisionComponent[],
  stage: string,
): Manifest[] {
  const staged = stagedManifests(environment, components);
  const found = staged.find((candidate) => candidate.name === stage);
  if (!found) {
    throw new InvalidInputError(
      `stage "${stage}" has no objects for components ${components.join(', ')}; planned stages: ${staged.map((candidate) => candidate.name).join(', ')}`,
      { stage, components },
    );
  }
  return found.objects;
}
