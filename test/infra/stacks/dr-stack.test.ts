import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DR_GROUPS } from '../../../cluster-manifests/src/rbac.ts';
import { DR_CLUSTER_GROUPS } from '../../../cluster-manifests/src/rbac-dr.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { DR_AGENT_HANDLERS, DR_CONTROL_HANDLERS } from '../../../infra/stacks/dr-functions.ts';
import { scheduledDrillFailbackInput, scheduledDrillFailoverInput } from '../../../infra/stacks/dr-stack.ts';
import {
  asList,
  handlerModulesByLogicalId,
  policyStatements,
  resourcesOfType,
  synthesizeEveryEnvironmentBeforeAll,
} from '../template-helpers.ts';

const synthesized = synthesizeEveryEnvironmentBeforeAll();

describe.each(ENVIRONMENT_NAMES)('DrStack, the DR control plane (%s)', (name) => {
  const template = () => synthesized(name).drTemplate;
  const config = loadEnvironmentConfig(name);
  const statementsWith = (prefix: string) =>
    policyStatements(template(), '').filter((statement) =>
      asList(statement.Action as string | string[]).some((action) => action.startsWith(prefix)),
    );

  it('is deployed in drRegion, after the OpsStack whose table replica and agents it uses', () => {
    const { drStack, opsStack } = synthesized(name);
    expect(drStack.region).toBe(config.drRegion);
    expect(drStack.dependencies.map((stack) => stack.stackName)).toContain(opsStack.stackName);
  });

  it('deploys its own functions, with notify, request-approval and approve-remediation of its own', () => {
    expect(Object.values(handlerModulesByLogicalId(template())).sort()).toEqual(
      [...DR_CONTROL_HANDLERS, 'notify', 'request-approval', 'approve-remediation']
        .map((handler) => `functions/${handler}.handler.ts`)
        .sort(),
    );
    for (const agent of DR_AGENT_HANDLERS) expect(DR_CONTROL_HANDLERS).not.toContain(agent);
  });

  it('holds dr-failover and dr-failback, named for the environment', () => {
    for (const workflow of ['dr-failover', 'dr-failback']) {
      template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `lakehouse-ops-${name}-${workflow}`,
      });
    }
  });

  it(name === 'staging' ? 'drills a failover and its failback every month' : 'schedules no drill', () => {
    const schedules = Object.values(resourcesOfType(template(), 'AWS::Scheduler::Schedule'));
    if (!config.dr.drill.enabled) {
      expect(schedules).toEqual([]);
      return;
    }
    for (const [suffix, expression, input] of [
      ['dr-drill-failover', config.dr.drill.expression, scheduledDrillFailoverInput()],
      ['dr-drill-failback', config.dr.drill.failbackExpression, scheduledDrillFailbackInput()],
    ] as const) {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `lakehouse-ops-${name}-${suffix}`,
        ScheduleExpression: expression,
        Target: Match.objectLike({
          Input: JSON.stringify(input),
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      });
    }
  });

  it('gives each DR function its own group on the standby cluster, and the gates an entry without one', () => {
    const entries = Object.values(resourcesOfType(template(), 'AWS::EKS::AccessEntry')).map(
      (entry) => entry.Properties,
    );
    for (const entry of entries) expect(entry.ClusterName).toBe(`${config.clusterName}-dr`);
    const groups = entries.map((entry) => entry.KubernetesGroups ?? []).sort();
    expect(groups).toEqual(
      [
        [],
        [DR_CLUSTER_GROUPS.bringUp],
        [DR_CLUSTER_GROUPS.bringUp],
        [DR_CLUSTER_GROUPS.restore],
        [DR_CLUSTER_GROUPS.validate],
        [DR_CLUSTER_GROUPS.fenceDr],
        [DR_CLUSTER_GROUPS.standby],
      ].sort(),
    );
  });

  it('reads and writes the ops table through its replica in drRegion only', () => {
    const statements = statementsWith('dynamodb:');
    expect(statements.length).toBeGreaterThan(5);
    for (const statement of statements) {
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toContain(`:${config.drRegion}:`);
      expect(resources).toContain(`table/lakehouse-ops-${name}-ops`);
    }
  });

  it("invokes exactly the primary's three agents, in the primary region", () => {
    // The state machines' own statements invoke their functions by attribute; the proxy's names them.
    const invokes = statementsWith('lambda:InvokeFunction').filter((statement) =>
      JSON.stringify(statement.Resource).includes(':function:lakehouse-ops-'),
    );
    expect(invokes).toHaveLength(1);
    const resources = JSON.stringify(invokes[0]?.Resource);
    expect(asList(invokes[0]?.Resource as string[])).toHaveLength(DR_AGENT_HANDLERS.length);
    for (const agent of DR_AGENT_HANDLERS) {
      expect(resources).toContain(`:lambda:${config.region}:`);
      expect(resources).toContain(`:function:lakehouse-ops-${name}-${agent}`);
    }
  });

  it("answers approvals of dr-failover only, on this region's state machine", () => {
    const answers = statementsWith('states:SendTask');
    expect(answers).toHaveLength(1);
    expect(asList(answers[0]?.Resource as string[])).toHaveLength(1);
    expect(JSON.stringify(answers[0]?.Resource)).toContain(`:stateMachine:lakehouse-ops-${name}-dr-failover`);
  });

  it('lets switch-traffic change only the configured hosted zone', () => {
    const zone = (config.dr.traffic as { hostedZoneId: string }).hostedZoneId;
    const changes = statementsWith('route53:ChangeResourceRecordSets');
    expect(changes).toHaveLength(1);
    expect(JSON.stringify(changes[0]?.Resource)).toContain(`hostedzone/${zone}`);
  });

  it('acts on the DR cluster in the DR region only', () => {
    const eks = statementsWith('eks:');
    expect(eks.length).toBeGreaterThan(0);
    for (const statement of eks) expect(JSON.stringify(statement.Resource)).toContain(`:${config.drRegion}:`);
  });

  it("places exactly the functions that call the standby cluster's API or Prefect in its VPC", () => {
    const placed = Object.entries(resourcesOfType(template(), 'AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.VpcConfig !== undefined)
      .map(([, fn]) => String(fn.Metadata?.['lakehouse-ops:handler']))
      .sort();
    expect(placed).toEqual(
      [
        'check-failover-gates',
        'apply-dr-manifests',
        'check-dr-rollout',
        'restore-dr-database',
        'validate-dr-platform',
        'fence-dr',
        'scale-dr-to-standby',
      ]
        .map((handler) => `functions/${handler}.handler.ts`)
        .sort(),
    );
  });
});

describe.each(ENVIRONMENT_NAMES)("DrAgents, the primary's side of a failover (%s)", (name) => {
  const template = () => synthesized(name).drAgentsTemplate;
  const config = loadEnvironmentConfig(name);

  it('deploys the agents under the names invoke-primary-agent calls', () => {
    for (const agent of DR_AGENT_HANDLERS) {
      template().hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `lakehouse-ops-${name}-${agent}`,
      });
    }
    expect(Object.values(handlerModulesByLogicalId(template())).sort()).toEqual(
      DR_AGENT_HANDLERS.map((agent) => `functions/${agent}.handler.ts`).sort(),
    );
  });

  it('maps only the fence functions to the fence group on the primary cluster', () => {
    const entries = Object.values(resourcesOfType(template(), 'AWS::EKS::AccessEntry'));
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry.Properties).toMatchObject({
        ClusterName: config.clusterName,
        KubernetesGroups: [DR_GROUPS.fence],
      });
    }
  });
});
