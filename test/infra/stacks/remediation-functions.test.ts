import { describe, expect, it } from 'vitest';
import { FUNCTION_GROUPS, playbookGroup } from '../../../cluster-manifests/src/rbac.ts';
import { parseLimitsSettings } from '../../../functions/core/remediation/limits.ts';
import { PLAYBOOK_NAMES } from '../../../functions/core/remediation/playbooks/catalogue.ts';
import { parseChangeWindows } from '../../../functions/core/remediation/preflight.ts';
import { parseRemediationRouting } from '../../../functions/core/remediation/remediation-plan.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import {
  APPROVING_WORKFLOWS,
  isRemediationFunctionName,
  REMEDIATION_HANDLERS,
  REMEDIATION_ITEMS,
} from '../../../infra/stacks/remediation-functions.ts';
import {
  asList,
  type PolicyStatement,
  policyStatements,
  resourcesOfType,
  synthesizeBeforeAll,
} from '../template-helpers.ts';

const ENVIRONMENT = 'staging';
const config = loadEnvironmentConfig(ENVIRONMENT);
const synthesized = synthesizeBeforeAll(ENVIRONMENT);

type LambdaResource = ReturnType<typeof resourcesOfType>[string];

/** The deployed function of a handler, and its logical id. */
function functionOf(handler: string): { logicalId: string; fn: LambdaResource } {
  const found = Object.entries(resourcesOfType(synthesized().template, 'AWS::Lambda::Function')).find(
    ([, fn]) => fn.Metadata?.['lakehouse-ops:handler'] === `functions/${handler}.handler.ts`,
  );
  if (!found) throw new Error(`no function for ${handler}`);
  return { logicalId: found[0], fn: found[1] };
}

function variablesOf(handler: string): Record<string, unknown> {
  return (functionOf(handler).fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The statements of the function's role's default policy. */
function statementsOf(handler: string): PolicyStatement[] {
  const role = (functionOf(handler).fn.Properties.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
  return Object.values(resourcesOfType(synthesized().template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/** Each DynamoDB statement of the function as its actions and the partition keys it is confined to. */
function tableGrantsOf(handler: string): { actions: string[]; leadingKeys: unknown }[] {
  return statementsOf(handler)
    .filter((statement) => asList(statement.Action).some((action) => action.startsWith('dynamodb:')))
    .map((statement) => ({
      actions: asList(statement.Action).sort(),
      leadingKeys: statement.Condition?.['ForAllValues:StringLike'] as unknown,
    }));
}

const leading = (...keys: string[]) => ({ 'dynamodb:LeadingKeys': keys });
const actionsOf = (handler: string) => statementsOf(handler).flatMap((statement) => asList(statement.Action));

describe('remediation functions', () => {
  it('deploys every remediation handler once, with its own module', () => {
    for (const handler of REMEDIATION_HANDLERS) expect(functionOf(handler).fn).toBeDefined();
    expect(isRemediationFunctionName('notify')).toBe(false);
    expect(isRemediationFunctionName('alert-ingress')).toBe(true);
  });

  it('hands the environment settings to the handlers as the handlers parse them', () => {
    const { remediation } = config;
    expect(parseRemediationRouting(String(variablesOf('resolve-remediation').REMEDIATION_ROUTING))).toEqual({
      routes: remediation.routes,
      playbooks: remediation.playbooks,
      approvalTimeoutMinutes: remediation.approvalTimeoutMinutes,
      verify: remediation.verify,
    });
    for (const handler of ['check-remediation-limits', 'record-remediation-step']) {
      expect(parseLimitsSettings(String(variablesOf(handler).REMEDIATION_LIMITS))).toEqual({
        rateLimits: remediation.rateLimits,
        breaker: remediation.breaker,
      });
    }
    expect(
      parseChangeWindows(String(variablesOf('preflight-remediation').REMEDIATION_CHANGE_WINDOWS)),
    ).toEqual(remediation.changeWindows);
    expect(variablesOf('silence-alert').ALERTMANAGER_URL).toBe(remediation.alertmanagerUrl);
    expect(variablesOf('expire-silence').ALERTMANAGER_URL).toBe(remediation.alertmanagerUrl);
    expect(variablesOf('verify-alert-cleared').PROMETHEUS_URL).toBe(remediation.prometheusUrl);
    expect(variablesOf('resolve-remediation').CLUSTER_NAME).toBe(config.clusterName);
  });

  it('names the bus and the secrets literally, as the local runner reads them', () => {
    for (const handler of ['alert-ingress', 'alert-ingress-sns']) {
      expect(variablesOf(handler).ALERT_EVENT_BUS_NAME).toBe(`lakehouse-ops-${ENVIRONMENT}-alerts`);
    }
    expect(variablesOf('alert-ingress').ALERT_WEBHOOK_SECRET_ID).toBe(
      `lakehouse/${ENVIRONMENT}/alertmanager-webhook`,
    );
    for (const handler of ['request-approval', 'approve-remediation']) {
      expect(variablesOf(handler).APPROVAL_SIGNING_SECRET_ID).toBe(
        `lakehouse/${ENVIRONMENT}/approval-signing-key`,
      );
    }
  });

  it("points the approval links at approve-remediation's Function URL", () => {
    const [urlId] = Object.entries(resourcesOfType(synthesized().template, 'AWS::Lambda::Url')).find(
      ([, url]) =>
        JSON.stringify(url.Properties.TargetFunctionArn) ===
        JSON.stringify({ 'Fn::GetAtt': [functionOf('approve-remediation').logicalId, 'Arn'] }),
    )!;
    expect(variablesOf('request-approval').APPROVAL_URL).toEqual({ 'Fn::GetAtt': [urlId, 'FunctionUrl'] });
  });

  it('confines each function to the ops-table partitions its core module writes', () => {
    const items = REMEDIATION_ITEMS;
    const expected: Record<string, { actions: string[]; leadingKeys: unknown }[]> = {
      'acquire-remediation-lease': [
        {
          actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          leadingKeys: leading(items.leases),
        },
      ],
      'release-remediation-lease': [
        {
          actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          leadingKeys: leading(items.leases),
        },
      ],
      'check-remediation-limits': [
        {
          actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
          leadingKeys: leading(items.rateCounters, items.breakers),
        },
      ],
      'record-remediation-step': [
        { actions: ['dynamodb:UpdateItem'], leadingKeys: leading(items.audit) },
        { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], leadingKeys: leading(items.breakers) },
      ],
      'escalate-remediation': [{ actions: ['dynamodb:Query'], leadingKeys: leading(items.audit) }],
      'request-approval': [
        { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], leadingKeys: leading(items.approvals) },
      ],
      'approve-remediation': [
        { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], leadingKeys: leading(items.approvals) },
      ],
      'alert-ingress': [
        { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], leadingKeys: leading(items.alertDedup) },
      ],
      'alert-ingress-sns': [
        { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], leadingKeys: leading(items.alertDedup) },
      ],
    };
    expect(items).toMatchObject({ leases: 'LOCK#remediation#*', audit: 'AUDIT#remediate#*' });
    for (const handler of REMEDIATION_HANDLERS.filter((name) => name !== 'notify')) {
      expect(tableGrantsOf(handler), handler).toEqual(expected[handler] ?? []);
    }
  });

  it("lets only scale-node-group change a node group, and only this cluster's", () => {
    for (const handler of REMEDIATION_HANDLERS) {
      const changes = actionsOf(handler).includes('eks:UpdateNodegroupConfig');
      expect(changes, handler).toBe(handler === 'scale-node-group');
    }
    const update = statementsOf('scale-node-group').find((statement) =>
      asList(statement.Action).includes('eks:UpdateNodegroupConfig'),
    )!;
    expect(JSON.stringify(update.Resource)).toContain(`:nodegroup/${config.clusterName}/*/*`);
    expect(actionsOf('preflight-remediation')).toEqual(
      expect.arrayContaining(['eks:DescribeCluster', 'eks:ListNodegroups', 'eks:DescribeNodegroup']),
    );
  });

  it('lets approve-remediation answer the tasks of exactly the workflows that ask for approval', () => {
    const answers = statementsOf('approve-remediation').filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith('states:')),
    );
    expect(answers).toHaveLength(1);
    expect(asList(answers[0]!.Action).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    const resources = JSON.stringify(answers[0]!.Resource);
    for (const workflow of ['remediate', 'cost-optimise', 'dr-failover']) {
      expect(resources).toContain(`:stateMachine:lakehouse-ops-${ENVIRONMENT}-${workflow}"`);
    }
    expect(asList(answers[0]!.Resource)).toHaveLength(APPROVING_WORKFLOWS.length);
    for (const handler of REMEDIATION_HANDLERS.filter((name) => name !== 'approve-remediation')) {
      expect(
        actionsOf(handler).some((action) => action.startsWith('states:')),
        handler,
      ).toBe(false);
    }
  });

  it('names every workflow that waits for an approval among those approve-remediation answers', () => {
    const { template, costTemplate, drTemplate } = synthesized();
    const waiting = [template, costTemplate, drTemplate].flatMap((stack) =>
      Object.values(resourcesOfType(stack, 'AWS::StepFunctions::StateMachine'))
        .filter((machine) =>
          JSON.stringify(machine.Properties.DefinitionString).includes('.waitForTaskToken'),
        )
        .map((machine) =>
          String(machine.Properties.StateMachineName).replace(`lakehouse-ops-${ENVIRONMENT}-`, ''),
        ),
    );
    expect(waiting.sort()).toEqual([...APPROVING_WORKFLOWS].sort());
  });

  it('lets the ingress put events on the alert bus only, and read its own secret only', () => {
    for (const handler of ['alert-ingress', 'alert-ingress-sns']) {
      const puts = statementsOf(handler).filter((statement) =>
        asList(statement.Action).includes('events:PutEvents'),
      );
      expect(puts).toHaveLength(1);
      expect(JSON.stringify(puts[0]!.Resource)).toContain(`:event-bus/lakehouse-ops-${ENVIRONMENT}-alerts"`);
    }
    const secrets = (handler: string) =>
      statementsOf(handler)
        .filter((statement) => asList(statement.Action).includes('secretsmanager:GetSecretValue'))
        .map((statement) => JSON.stringify(statement.Resource));
    expect(secrets('alert-ingress')).toEqual([
      expect.stringContaining(`:secret:lakehouse/${ENVIRONMENT}/alertmanager-webhook-??????`),
    ]);
    expect(secrets('alert-ingress-sns')).toEqual([]);
    for (const handler of ['request-approval', 'approve-remediation']) {
      expect(secrets(handler)).toEqual([
        expect.stringContaining(`:secret:lakehouse/${ENVIRONMENT}/approval-signing-key-??????`),
      ]);
    }
  });

  it('gives the drain five minutes and the other playbooks one', () => {
    for (const playbook of PLAYBOOK_NAMES) {
      expect(functionOf(playbook).fn.Properties.Timeout, playbook).toBe(
        playbook === 'cordon-drain-node' ? 300 : 60,
      );
    }
  });

  it('maps each playbook to its own Kubernetes group, the workflow steps that read the cluster to the remediation group, and no others', () => {
    const entries = Object.values(resourcesOfType(synthesized().template, 'AWS::EKS::AccessEntry'));
    const roleOf = (handler: string) => functionOf(handler).fn.Properties.Role;
    const groupsOf = (handler: string) =>
      entries.find(
        (entry) => JSON.stringify(entry.Properties.PrincipalArn) === JSON.stringify(roleOf(handler)),
      )?.Properties.KubernetesGroups;
    for (const playbook of PLAYBOOK_NAMES) {
      expect(groupsOf(playbook), playbook).toEqual([playbookGroup(playbook)]);
    }
    for (const handler of ['preflight-remediation', 'escalate-remediation']) {
      expect(groupsOf(handler), handler).toEqual([FUNCTION_GROUPS.remediation]);
    }
    for (const handler of ['alert-ingress', 'alert-ingress-sns', 'approve-remediation', 'silence-alert']) {
      expect(groupsOf(handler), handler).toBeUndefined();
    }
  });

  it('grants the approval items to the two approval functions only', () => {
    const approvals = policyStatements(synthesized().template, '').filter((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes('APPROVAL#'),
    );
    expect(approvals).toHaveLength(2);
  });
});
