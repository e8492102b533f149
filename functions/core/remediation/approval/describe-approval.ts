import { PLAYBOOKS } from '../playbooks/catalogue.ts';
import type { Target } from '../target.ts';
import type { PendingApproval } from './approval-store.ts';

/**
 * An approval in words, the same in the notification, on the confirmation page and in the CLI,
 * so an operator recognises it wherever they meet it. The target: `Pod prefect/prefect-worker-abc`,
 * `Node ip-10-0-1-7`.
 */
export function describeTarget(target: Target): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

/** What the playbook will do, in the words of the catalogue, and whether it only pretends. */
export function describeAction(approval: Pick<PendingApproval, 'playbook' | 'dryRun' | 'params'>): string {
  const params = Object.keys(approval.params).length > 0 ? ` with ${JSON.stringify(approval.params)}` : '';
  const mode = approval.dryRun ? ' as a DRY RUN (it only reports what it would change)' : '';
  return `${approval.playbook}: ${PLAYBOOKS[approval.playbook].description}${params}${mode}`;
}
