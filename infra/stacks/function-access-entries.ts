import type { CfnAccessEntry } from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';
import { FUNCTION_GROUPS, playbookGroup } from '../../cluster-manifests/src/rbac.ts';
import { PLAYBOOK_NAMES, type PlaybookName } from '../../functions/core/remediation/playbooks/catalogue.ts';
import { BACKUP_HANDLERS } from '../../workflows/backup.workflow.ts';
import { PROVISION_HANDLERS } from '../../workflows/provision.workflow.ts';
import { REMEDIATE_HANDLERS } from '../../workflows/remediate.workflow.ts';
import { RESTORE_HANDLERS } from '../../workflows/restore.workflow.ts';
import { VALIDATE_PLATFORM_HANDLERS } from '../../workflows/validate-platform.workflow.ts';
import { VERIFY_BACKUP_HANDLERS } from '../../workflows/verify-backup.workflow.ts';
import { grantKubernetesGroups } from '../constructs/cluster-access.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { pascalCase } from '../naming.ts';
import type { OpsHandlerName } from './ops-functions.ts';

/**
 * Which Kubernetes group (cluster-manifests/src/rbac.ts) each workflow's functions act as. The
 * access entries are created in the OpsStack, next to the functions' roles: the ClusterStack
 * deploys first (the OpsStack depends on it) and the entries name the cluster by its configured
 * name, so neither stack imports the other's values and the roles keep their generated names.
 */
export const WORKFLOW_KUBERNETES_GROUPS: readonly {
  readonly group: string;
  readonly handlers: readonly OpsHandlerName[];
}[] = [
  { group: FUNCTION_GROUPS.validatePlatform, handlers: VALIDATE_PLATFORM_HANDLERS },
  {
    group: FUNCTION_GROUPS.backup,
    handlers: [...BACKUP_HANDLERS, ...VERIFY_BACKUP_HANDLERS, ...RESTORE_HANDLERS],
  },
  { group: FUNCTION_GROUPS.provision, handlers: PROVISION_HANDLERS },
  // remediate's own steps (preflight, escalation) read; each playbook acts as its own group.
  {
    group: FUNCTION_GROUPS.remediation,
    handlers: REMEDIATE_HANDLERS.filter((handler) => !PLAYBOOK_NAMES.includes(handler as PlaybookName)),
  },
  ...PLAYBOOK_NAMES.map((playbook) => ({ group: playbookGroup(playbook), handlers: [playbook] })),
];

/** A function talks to the cluster exactly when its environment schema carries CLUSTER_NAME. */
export function usesCluster(fn: OpsFunction): boolean {
  return 'CLUSTER_NAME' in fn.environmentSchema._zod.def.shape;
}

/**
 * One access entry per cluster-using function role, mapping it to the groups of every workflow
 * that runs the function (a shared function gets the union, in one entry: EKS allows one entry
 * per principal).
 */
export function grantFunctionsKubernetesGroups(
  scope: Construct,
  clusterName: string,
  functions: Partial<Record<OpsHandlerName, OpsFunction>>,
  workflowGroups: typeof WORKFLOW_KUBERNETES_GROUPS = WORKFLOW_KUBERNETES_GROUPS,
): Record<string, CfnAccessEntry> {
  const groupsByHandler = new Map<OpsHandlerName, Set<string>>();
  for (const { group, handlers } of workflowGroups) {
    for (const handler of handlers) {
      groupsByHandler.set(handler, (groupsByHandler.get(handler) ?? new Set()).add(group));
    }
  }
  const entries: Record<string, CfnAccessEntry> = {};
  for (const [handler, fn] of Object.entries(functions) as [OpsHandlerName, OpsFunction][]) {
    if (!usesCluster(fn)) continue;
    const groups = groupsByHandler.get(handler);
    if (!groups) {
      throw new Error(
        `${handler} uses the cluster (CLUSTER_NAME) but belongs to no workflow in WORKFLOW_KUBERNETES_GROUPS: map its workflow to a lakehouse-ops Kubernetes group`,
      );
    }
    entries[handler] = grantKubernetesGroups(scope, `${pascalCase(handler)}AccessEntry`, {
      clusterName,
      principalArn: fn.role!.roleArn,
      groups: [...groups],
    });
  }
  return entries;
}
