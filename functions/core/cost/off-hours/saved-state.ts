import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * What sleep saves and wake restores: exactly the values the scale-down changes, as they were
 * before the first sleep touched them. Only objects that sleep changes are listed (a workload
 * already at zero, a CronJob already suspended, a node group already at its sleeping size are not).
 */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const count = () => z.number().check(z.int(), z.nonnegative());

export const savedWorkloadSchema = z.object({
  kind: z.enum(WORKLOAD_KINDS),
  namespace: nonEmptyString(),
  name: nonEmptyString(),
  replicas: count(),
});
export type SavedWorkload = z.output<typeof savedWorkloadSchema>;

export const savedCronJobSchema = z.object({
  namespace: nonEmptyString(),
  name: nonEmptyString(),
  suspend: z.boolean(),
});
export type SavedCronJob = z.output<typeof savedCronJobSchema>;

export const nodeGroupSizeSchema = z.object({ minSize: count(), desiredSize: count(), maxSize: count() });
export type NodeGroupSize = z.output<typeof nodeGroupSizeSchema>;

export const savedNodeGroupSchema = z.extend(nodeGroupSizeSchema, { name: nonEmptyString() });
export type SavedNodeGroup = z.output<typeof savedNodeGroupSchema>;

export const savedStateSchema = z.object({
  workloads: z.array(savedWorkloadSchema),
  cronJobs: z.array(savedCronJobSchema),
  nodeGroups: z.array(savedNodeGroupSchema),
});
export type SavedState = z.output<typeof savedStateSchema>;

export const EMPTY_STATE: SavedState = { workloads: [], cronJobs: [], nodeGroups: [] };

export function workloadKey(workload: { kind: string; namespace: string; name: string }): string {
  return `${workload.kind} ${workload.namespace}/${workload.name}`;
}

export function cronJobKey(cronJob: { namespace: string; name: string }): string {
  return `CronJob ${cronJob.namespace}/${cronJob.name}`;
}

export function sameSize(a: NodeGroupSize, b: NodeGroupSize): boolean {
  return a.minSize === b.minSize && a.desiredSize === b.desiredSize && a.maxSize === b.maxSize;
}

export function sizeOf({ minSize, desiredSize, maxSize }: NodeGroupSize): NodeGroupSize {
  return { minSize, desiredSize, maxSize };
}

export function describeSize({ minSize, desiredSize, maxSize }: NodeGroupSize): string {
  return `min ${minSize} / desired ${desiredSize} / max ${maxSize}`;
}
