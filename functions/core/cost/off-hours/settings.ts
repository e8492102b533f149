import * as z from 'zod/mini';
import { parseJsonVariable } from '../../../commons/json-variable.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { offHoursScheduleSchema } from './schedule.ts';

/**
 * What the off-hours scale-down may touch and how long it waits, per environment. Infra validates
 * it (with the schedule) in the environment's config and hands the handlers everything but the
 * schedule as the OFF_HOURS_SETTINGS variable (JSON).
 *
 * - namespaces: where Deployments, StatefulSets and CronJobs are put to sleep. Nothing outside them
 *   is ever read or written (kube-system, controllers, monitoring). Default: the Prefect and s5cmd
 *   namespaces of the platform layout. Monitoring stays up on purpose: it watches the stateful tier,
 *   which stays up, and it runs on the system nodes, which stay up for the Prefect server anyway.
 * - zeroPools: node groups whose `poolLabel` value is listed go to min 0 / desired 0 (max kept, EKS
 *   needs max >= 1). Every other node group goes down to its own minimum size, which the
 *   ClusterStack's config already requires to hold the stateful tier (storage minimum >= the MinIO
 *   replicas, system minimum >= the Prefect server replicas).
 */
export const DEFAULT_ZERO_POOLS = ['compute'];
export const DEFAULT_POOL_LABEL = 'lakehouse-ops.io/pool';
export const DEFAULT_NODE_GROUP_TIMEOUT_SECONDS = 1200;
export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 900;

const seconds = (defaultValue: number) =>
  z._default(z.number().check(z.int(), z.positive(), z.lte(3600)), defaultValue);

export const offHoursSettingsSchema = z.strictObject({
  namespaces: z.optional(z.array(nonEmptyString()).check(z.minLength(1, 'name at least one namespace'))),
  zeroPools: z._default(z.array(nonEmptyString()), DEFAULT_ZERO_POOLS),
  poolLabel: z._default(nonEmptyString(), DEFAULT_POOL_LABEL),
  /** From the node group change to every group ACTIVE at its size with its Nodes gone or Ready. */
  nodeGroupTimeoutSeconds: seconds(DEFAULT_NODE_GROUP_TIMEOUT_SECONDS),
  /** From the workload change to every workload at its replicas (scaled down, or rolled out). */
  rolloutTimeoutSeconds: seconds(DEFAULT_ROLLOUT_TIMEOUT_SECONDS),
});
export type OffHoursSettingsInput = z.input<typeof offHoursSettingsSchema>;
export type OffHoursSettings = z.output<typeof offHoursSettingsSchema>;

/** The environment's configuration (infra/config): the settings plus whether and when it sleeps. */
export const offHoursConfigSchema = z.extend(offHoursSettingsSchema, {
  /** Off by default; production is refused by preflight whatever this says. */
  enabled: z._default(z.boolean(), false),
  schedule: offHoursScheduleSchema,
});
export type OffHoursConfigInput = z.input<typeof offHoursConfigSchema>;
export type OffHoursConfig = z.output<typeof offHoursConfigSchema>;

/** The settings resolved against the layout: what plan and verification work with. */
export interface OffHoursScope {
  readonly namespaces: readonly string[];
  readonly zeroPools: readonly string[];
  readonly poolLabel: string;
  readonly nodeGroupTimeoutSeconds: number;
  readonly rolloutTimeoutSeconds: number;
}

export function resolveScope(settings: OffHoursSettings, layout: PlatformLayout): OffHoursScope {
  return {
    ...settings,
    namespaces: [...new Set(settings.namespaces ?? [layout.prefect.namespace, layout.s5cmd.namespace])],
  };
}

/** OFF_HOURS_SETTINGS as infra writes it: everything but `enabled` and `schedule`. */
export function offHoursSettingsVariable(config: OffHoursConfig): string {
  const { enabled: _enabled, schedule: _schedule, ...settings } = config;
  return JSON.stringify(settings satisfies OffHoursSettingsInput);
}

export function parseOffHoursSettings(variable: string | undefined): OffHoursSettings {
  return parseJsonVariable(
    'OFF_HOURS_SETTINGS',
    variable?.trim() ? variable : '{}',
    offHoursSettingsSchema,
    'off-hours settings',
  );
}
