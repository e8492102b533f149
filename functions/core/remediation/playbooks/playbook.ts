import * as z from 'zod/mini';
import { InvalidInputError } from '../../../commons/errors.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { parseOrThrow } from '../../../commons/schema-problems.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { type AlertEvent, alertEventSchema } from '../alert-event.ts';
import { TARGET_KINDS, type Target, targetKey } from '../target.ts';
import { PLAYBOOKS, type PlaybookName } from './catalogue.ts';

/**
 * The contract of every playbook Lambda (docs/remediation.md "Playbooks"): the event it gets, the
 * result it returns, and the frame that checks what all of them must check before acting (the
 * target is in this function's cluster and of a kind the playbook handles; the route's parameters
 * are the playbook's). A playbook only decides and acts; the frame turns its verdict into the
 * result, so CHANGED and DRY_RUN mean the same thing for all of them.
 */
export const targetSchema = z.object({
  cluster: nonEmptyString(),
  namespace: z.optional(nonEmptyString()),
  kind: z.enum(TARGET_KINDS),
  name: nonEmptyString(),
});

export const playbookEventSchema = z.object({
  alert: alertEventSchema,
  target: targetSchema,
  /** The route's chain entry `params`, validated against the playbook's schema (catalogue.ts). */
  params: z._default(z.record(z.string(), z.unknown()), {}),
  /** Send every write with `dryRun=All` (EKS has no dry run: then only describe) and report what would change. */
  dryRun: z.boolean(),
  executionId: nonEmptyString(),
});
export type PlaybookEvent = z.output<typeof playbookEventSchema>;

export const PLAYBOOK_OUTCOMES = ['CHANGED', 'DRY_RUN', 'SKIPPED', 'REFUSED'] as const;
export type PlaybookOutcome = (typeof PLAYBOOK_OUTCOMES)[number];

/** A state snapshot for the audit trail: plain JSON, the fields an operator compares. */
export type Snapshot = Record<string, unknown>;

export interface PlaybookChange {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** `deleted`, `evicted`, `replicas 2 -> 3`, `memory limit 256Mi -> 320Mi`, ... */
  readonly change: string;
}

export interface PlaybookResult {
  readonly playbook: PlaybookName;
  readonly outcome: PlaybookOutcome;
  readonly detail: string;
  readonly before: Snapshot;
  readonly after: Snapshot;
  readonly changes: readonly PlaybookChange[];
}

/**
 * What a playbook decided. `acted` becomes CHANGED, or DRY_RUN when the event asked for a dry run
 * (then `after` and `changes` are what the server's dry run says would be).
 * - refused: its own safety check said no (paused Deployment, pod without a controller, at a cap).
 * - skipped: nothing to do (the pod is already gone, the pod got scheduled meanwhile).
 */
export type PlaybookVerdict =
  | { readonly outcome: 'refused' | 'skipped'; readonly detail: string; readonly before: Snapshot }
  | {
      readonly outcome: 'acted';
      readonly detail: string;
      readonly before: Snapshot;
      readonly after: Snapshot;
      readonly changes: readonly PlaybookChange[];
    };

export interface PlaybookDependencies {
  readonly kubernetes: KubernetesApi;
  /** The cluster this function's Kubernetes client talks to (CLUSTER_NAME). */
  readonly clusterName: string;
  readonly now?: () => Date;
}

export interface PlaybookContext<Params> {
  readonly alert: AlertEvent;
  readonly target: Target;
  readonly params: Params;
  readonly dryRun: boolean;
  readonly executionId: string;
  readonly kubernetes: KubernetesApi;
  readonly now: Date;
}

export type Playbook<Dependencies extends PlaybookDependencies = PlaybookDependencies> = (
  event: PlaybookEvent,
  dependencies: Dependencies,
) => Promise<PlaybookResult>;

export function refused(detail: string, before: Snapshot = {}): PlaybookVerdict {
  return { outcome: 'refused', detail, before };
}

export function skipped(detail: string, before: Snapshot = {}): PlaybookVerdict {
  return { outcome: 'skipped', detail, before };
}

/** `deleted pod a/b` or, in a dry run, `would delete pod a/b (dry run)`. */
export function tell(dryRun: boolean, done: string, wouldDo: string): string {
  return dryRun ? `${wouldDo} (dry run)` : done;
}

/** `namespace/name`, or the name alone for cluster-scoped targets. */
export function describeTarget(target: Target): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

export function definePlaybook<Params, Dependencies extends PlaybookDependencies = PlaybookDependencies>(
  name: PlaybookName,
  paramsSchema: z.ZodMiniType<Params>,
  decide: (context: PlaybookContext<Params>, dependencies: Dependencies) => Promise<PlaybookVerdict>,
): Playbook<Dependencies> {
  return async (event, dependencies) => {
    const { target } = event;
    if (target.cluster !== dependencies.clusterName) {
      throw new InvalidInputError(
        `${name}: the target ${targetKey(target)} is in cluster ${target.cluster}, but this function acts on cluster ${dependencies.clusterName}`,
        { playbook: name, target },
      );
    }
    const params = parseOrThrow(
      paramsSchema,
      event.params,
      (problems) =>
        new InvalidInputError(`${name}: invalid params: ${problems.join('; ')}`, {
          playbook: name,
          problems,
        }),
    );
    const verdict = PLAYBOOKS[name].targets.includes(target.kind)
      ? await decide(
          {
            alert: event.alert,
            target,
            params,
            dryRun: event.dryRun,
            executionId: event.executionId,
            kubernetes: dependencies.kubernetes,
            now: (dependencies.now ?? (() => new Date()))(),
          },
          dependencies,
        )
      : refused(
          `${name} acts on ${PLAYBOOKS[name].targets.join(', ')} targets, not on ${describeTarget(target)}`,
        );
    return resultOf(name, verdict, event.dryRun);
  };
}

function resultOf(playbook: PlaybookName, verdict: PlaybookVerdict, dryRun: boolean): PlaybookResult {
  if (verdict.outcome !== 'acted') {
    return {
      playbook,
      outcome: verdict.outcome === 'refused' ? 'REFUSED' : 'SKIPPED',
      detail: verdict.detail,
      before: verdict.before,
      after: verdict.before,
      changes: [],
    };
  }
  const { detail, before, after, changes } = verdict;
  return { playbook, outcome: dryRun ? 'DRY_RUN' : 'CHANGED', detail, before, after, changes };
}
