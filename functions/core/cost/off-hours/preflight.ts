import type { EKSClient } from '@aws-sdk/client-eks';
import * as z from 'zod/mini';
import { namedError } from '../../../commons/errors.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { requireActiveCluster } from '../../provision/cluster.ts';
import { type OffHoursRequest, offHoursRequestSchema } from './request.ts';

/** Off-hours is for development and staging; production never sleeps. */
export const NEVER_ASLEEP_ENVIRONMENTS = ['production'] as const;

/** The environment may not be put to sleep or woken by this workflow (production). */
export class OffHoursNotAllowedError extends namedError('OffHoursNotAllowedError') {}

/** The request as every later step receives it: the input plus where it applies. */
export const offHoursRunSchema = z.extend(offHoursRequestSchema, {
  environment: nonEmptyString(),
  clusterName: nonEmptyString(),
});
export type OffHoursRun = z.output<typeof offHoursRunSchema>;

export interface PreflightDependencies {
  readonly eks: EKSClient;
  readonly clusterName: string;
  readonly environment: string;
}

/**
 * Checks what must hold before the lease is even taken: an environment that may sleep and an
 * ACTIVE cluster (ClusterNotActiveError otherwise: nothing could be scaled or restored).
 */
export async function preflightOffHours(
  request: OffHoursRequest,
  { eks, clusterName, environment }: PreflightDependencies,
): Promise<OffHoursRun> {
  if ((NEVER_ASLEEP_ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new OffHoursNotAllowedError(
      `off-hours ${request.action} is refused in ${environment}: only development and staging sleep`,
      { environment, action: request.action },
    );
  }
  await requireActiveCluster({ eks, clusterName });
  return { ...request, environment, clusterName };
}
