import { PLAYBOOKS } from '../playbooks/catalogue.ts';
import type { Target } from '../target.ts';
import type { PendingApproval, RemediationApproval } from './approval-store.ts';

/**
 * An approval in words, the same in the notification, on the confirmation page and in the CLI,
 * so an operator recognises it wherever they meet it. The target: `Pod prefect/prefect-worker-abc`,
 * `Node ip-10-0-1-7`.
 */
export function describeTarget(target: Target): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

const DRY_RUN_NOTE = ' as a DRY RUN (it only reports what it would change)';

/** What the playbook will do, in the words of the catalogue, and whether it only pretends. */
export function describeAction(
  approval: Pick<RemediationApproval, 'playbook' | 'dryRun' | 'params'>,
): string {
  const params = Object.keys(approval.params).length > 0 ? ` with ${JSON.stringify(approval.params)}` : '';
  const mode = approval.dryRun ? DRY_RUN_NOTE : '';
  return `${approval.playbook}: ${PLAYBOOKS[approval.playbook].description}${params}${mode}`;
}

/** Any approval in one line: `rollout-restart: ... on Pod prefect/x`, `cost-optimise: <title>`. */
export function describeApproval(approval: PendingApproval): string {
  if (approval.kind === 'change') {
    return `${approval.workflow}: ${approval.title}${approval.dryRun ? DRY_RUN_NOTE : ''}`;
  }
  return `${describeAction(approval)} on ${describeTarget(approval.target)}`;
}

/** What a rejection or an expiry leads to, in the words of the workflow that asked. */
export function describeRefusalConsequence(approval: PendingApproval): string {
  return approval.kind === 'change'
    ? `the ${approval.workflow} workflow skips the changes that needed this approval`
    : 'the alert goes to the on-call engineers';
}
