import * as z from 'zod/mini';
import type { ClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';

import { parseJsonVariable } from '../../commons/json-variable.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import type { PlatformLayout } from '../platform/layout.ts';
import { PROVISION_ENVIRONMENTS } from './request.ts';

/**
 * What the provision functions are configured with, as environment variables written by infra
 * from the environment's validated settings (infra/config):
 *
 * - PROVISION_ENVIRONMENT: the manifests' ClusterEnvironment (cluster-manifests/src) without the
 *   cluster name and layout, which come from CLUSTER_NAME and PLATFORM_LAYOUT like every other
 *   Kubernetes function's, so there is one place for each. Infra serializes it with
 *   `provisionEnvironmentVariable`, so only its top-level shape is checked here.
 * - PROVISION_NODE_GROUPS: the managed node groups and their sizes.
 */
export type ProvisionEnvironment = Omit<ClusterEnvironment, 'clusterName' | 'layout'>;

export function provisionEnvironmentVariable(environment: ClusterEnvironment): string {
  const { clusterName: _clusterName, layout: _layout, ...rest } = environment;
  return JSON.stringify(rest satisfies ProvisionEnvironment);
}

const provisionEnvironmentShape = z.looseObject({
  name: z.enum(PROVISION_ENVIRONMENTS),
  region: nonEmptyString(),
  tier: z.enum(['small', 'medium', 'large']),
  monitoring: z.looseObject({ prometheusReplicas: z.number(), alertmanagerReplicas: z.number() }),
  objectStoreCapacityTiB: z.number().check(z.positive()),
  backup: z.looseObject({
    sourceBuckets: z.array(nonEmptyString()),
    postgres: z.looseObject({ namespace: nonEmptyString() }),
  }),
  minioCredentialsSecretName: nonEmptyString(),
});

export function provisionEnvironmentFrom(variable: string): ProvisionEnvironment {
  // Written by provisionEnvironmentVariable from the validated config: the shape check catches a
  // hand-edited or truncated variable, not every field.
  const checked: unknown = parseJsonVariable('PROVISION_ENVIRONMENT', variable, provisionEnvironmentShape);
  return checked as ProvisionEnvironment;
}

/** The manifests' environment: PROVISION_ENVIRONMENT completed with the cluster name and layout. */
export function clusterEnvironmentFrom(
  variable: string,
  clusterName: string,
  layout: PlatformLayout,
): ClusterEnvironment {
  return { ...provisionEnvironmentFrom(variable), clusterName, layout };
}

const kubernetesLabelValue = z.string().check(z.maxLength(63));

const nodeGroupSpecSchema = z
  .object({
    name: nonEmptyString(),
    instanceTypes: z.array(nonEmptyString()).check(z.minLength(1)),
    capacityType: z.enum(['ON_DEMAND', 'SPOT']),
    minSize: z.number().check(z.int(), z.nonnegative()),
    maxSize: z.number().check(z.int(), z.positive()),
    desiredSize: z.number().check(z.int(), z.nonnegative()),
    labels: z._default(z.record(z.string(), kubernetesLabelValue), {}),
    taints: z._default(
      z.array(
        z.object({
          key: nonEmptyString(),
          value: z.optional(z.string()),
          effect: z.enum(['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE']),
        }),
      ),
      [],
    ),
    /** The ClusterStack's launch template of the pool; without one, a new group takes a sibling's. */
    launchTemplate: z.optional(z.object({ name: nonEmptyString() })),
  })
  .check(
    z.refine((group) => group.minSize <= group.desiredSize && group.desiredSize <= group.maxSize, {
      message: 'expected minSize <= desiredSize <= maxSize',
    }),
  );

/** One managed node group as provision creates it or scales it (EKS CreateNodegroup's vocabulary). */
export type NodeGroupSpec = z.output<typeof nodeGroupSpecSchema>;
export type NodeGroupSpecInput = z.input<typeof nodeGroupSpecSchema>;

const nodeGroupSpecsSchema = z.array(nodeGroupSpecSchema).check(
  z.refine((groups) => new Set(groups.map((group) => group.name)).size === groups.length, {
    message: 'node group names must be unique',
  }),
);

export function nodeGroupSpecsFrom(variable: string): NodeGroupSpec[] {
  return parseJsonVariable('PROVISION_NODE_GROUPS', variable, nodeGroupSpecsSchema);
}

/** How long provision waits for one stage's workloads before it gives up. */
export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 600;
/** How long it waits for node groups: EKS takes several minutes to create one. */
export const DEFAULT_NODE_GROUP_TIMEOUT_SECONDS = 1200;

/** The ISO time `seconds` from `now`: deadlines travel through the workflow as strings. */
export function deadlineIn(seconds: number, now: Date = new Date()): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
