import * as z from 'zod/mini';
import type { TargetKind } from '../target.ts';

/**
 * The playbooks remediation can run (docs/remediation.md "Playbooks"), with what the workflow must
 * know about each before acting: which targets it acts on, whether it disrupts running work (then
 * it only runs inside a change window), and the parameters a route may give it. Routing
 * configuration is validated against this catalogue at synth time, so a route naming an unknown
 * playbook or a parameter it does not take never deploys.
 */
export const PLAYBOOK_NAMES = [
  'rollout-restart',
  'delete-pod',
  'cordon-drain-node',
  'scale-prefect-workers',
  'raise-memory-limit',
  'restart-minio-pod',
  'expand-minio-pvc',
  'scale-node-group',
] as const;
export type PlaybookName = (typeof PLAYBOOK_NAMES)[number];

export interface PlaybookDefinition {
  readonly description: string;
  /** Target kinds the playbook accepts (a Pod's owner is resolved where a workload is needed). */
  readonly targets: readonly TargetKind[];
  /** Restarts, evicts or reschedules running work: refused outside the configured change windows. */
  readonly disruptive: boolean;
  /**
   * Deletes, evicts or replaces pods: refused when they (or their pod template, or their node)
   * carry `karpenter.sh/do-not-disrupt: "true"`, and for MinIO only while the others keep quorum.
   */
  readonly replacesPods: boolean;
  /** The route's `params` for it; unknown keys are refused. */
  readonly params: z.ZodMiniType<Record<string, unknown>>;
}

const positiveInt = () => z.number().check(z.int(), z.positive());
const growthFactor = () => z.number().check(z.gt(1), z.lte(4));

/** Each playbook's parameters, exported so that its module reads them typed. */
export const noParams = z.strictObject({});
export const deletePodParams = z.strictObject({ minRestarts: z.optional(positiveInt()) });
export const cordonDrainNodeParams = z.strictObject({ timeoutSeconds: z.optional(positiveInt()) });
export const scalePrefectWorkersParams = z.strictObject({
  step: z.optional(positiveInt()),
  max: positiveInt(),
});
/** raise-memory-limit and expand-minio-pvc: grow by `factor`, never beyond `maxBytes`. */
export const growthParams = z.strictObject({ factor: z.optional(growthFactor()), maxBytes: positiveInt() });
export const scaleNodeGroupParams = z.strictObject({
  nodeGroup: z.optional(z.string()),
  step: z.optional(positiveInt()),
});

export const PLAYBOOKS: Readonly<Record<PlaybookName, PlaybookDefinition>> = {
  'rollout-restart': {
    description: 'rollout restart of a Deployment or StatefulSet (a paused Deployment is skipped)',
    targets: ['Deployment', 'StatefulSet', 'Pod'],
    disruptive: true,
    replacesPods: true,
    params: noParams,
  },
  'delete-pod': {
    description: 'delete a crash-looping pod so that its controller recreates it',
    targets: ['Pod'],
    // The pod is already failing; its controller replaces it at once.
    disruptive: false,
    replacesPods: true,
    params: deletePodParams,
  },
  'cordon-drain-node': {
    description: 'cordon a node and evict its pods within their PodDisruptionBudgets',
    targets: ['Node'],
    disruptive: true,
    replacesPods: true,
    params: cordonDrainNodeParams,
  },
  'scale-prefect-workers': {
    description: 'add Prefect workers on a work-queue backlog, up to a bound',
    targets: ['Deployment'],
    disruptive: false,
    replacesPods: false,
    params: scalePrefectWorkersParams,
  },
  'raise-memory-limit': {
    description: "raise an OOM-killed container's memory limit, capped, at most once a day",
    targets: ['Deployment', 'StatefulSet', 'Pod'],
    disruptive: true,
    // The new template rolls the workload's pods.
    replacesPods: true,
    params: growthParams,
  },
  'restart-minio-pod': {
    description: 'restart one MinIO pod once the others keep write quorum',
    targets: ['Pod', 'StatefulSet'],
    disruptive: true,
    replacesPods: true,
    params: noParams,
  },
  'expand-minio-pvc': {
    description: 'expand a filling MinIO volume claim, capped',
    targets: ['PersistentVolumeClaim'],
    disruptive: false,
    // EBS volumes and ext4/xfs grow online: the pod keeps running.
    replacesPods: false,
    params: growthParams,
  },
  'scale-node-group': {
    description: 'raise a managed node group when pods are unschedulable (EKS API), up to its maximum',
    targets: ['NodeGroup', 'Pod'],
    disruptive: false,
    replacesPods: false,
    params: scaleNodeGroupParams,
  },
};

export function isPlaybookName(name: string): name is PlaybookName {
  return (PLAYBOOK_NAMES as readonly string[]).includes(name);
}
