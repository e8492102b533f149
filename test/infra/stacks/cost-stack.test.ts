import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { allFunctionGroups } from '../../../cluster-manifests/src/rbac.ts';
import { offHoursSchedulerExpressions } from '../../../functions/core/cost/off-hours/schedule.ts';
import {
  REBALANCE_RECOMMENDATION,
  SPOT_INTERRUPTION_WARNING,
} from '../../../functions/core/cost/spot/interruption-event.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { pascalCase } from '../../../infra/naming.ts';
import {
  COST_FUNCTION_NAMES,
  COST_KUBERNETES_GROUPS,
  EKS_ONLY_COST_FUNCTIONS,
} from '../../../infra/stacks/cost-functions.ts';
import { scheduledCostOptimiseInput, scheduledOffHoursInput } from '../../../infra/stacks/cost-stack.ts';
import {
  handlerModulesByLogicalId,
  resourcesOfType,
  synthesizeEveryEnvironmentBeforeAll,
} from '../template-helpers.ts';

const synthesized = synthesizeEveryEnvironmentBeforeAll();

describe.each(ENVIRONMENT_NAMES)('CostStack (%s)', (name) => {
  const template = () => synthesized(name).costTemplate;
  const config = loadEnvironmentConfig(name);

  it('deploys one function per cost handler, each marked with its module, and reuses the parent notify', () => {
    const modules = Object.values(handlerModulesByLogicalId(template())).sort();
    expect(modules).toEqual(COST_FUNCTION_NAMES.map((handler) => `functions/${handler}.handler.ts`).sort());
  });

  it('holds the off-hours, spot, and cost-optimise state machines, named for the environment', () => {
    for (const workflow of ['off-hours', 'spot-migration', 'spot-interruption', 'cost-optimise']) {
      template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `lakehouse-ops-${name}-${workflow}`,
        TracingConfiguration: { Enabled: true },
      });
    }
  });

  it(
    name === 'production'
      ? 'schedules no off-hours sleep in production'
      : 'puts the environment to sleep every evening and wakes it on workdays, in its time zone',
    () => {
      const schedules = Object.values(resourcesOfType(template(), 'AWS::Scheduler::Schedule')).filter(
        (schedule) => String(schedule.Properties.Name).includes('off-hours'),
      );
      if (!config.offHours?.enabled) {
        expect(schedules).toEqual([]);
        return;
      }
      const expressions = offHoursSchedulerExpressions(config.offHours.schedule);
      for (const action of ['sleep', 'wake'] as const) {
        template().hasResourceProperties('AWS::Scheduler::Schedule', {
          Name: `lakehouse-ops-${name}-off-hours-${action}`,
          ScheduleExpression: expressions[action].scheduleExpression,
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Target: Match.objectLike({
            Input: JSON.stringify(scheduledOffHoursInput(action)),
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        });
      }
    },
  );

  it("starts spot-interruption from EC2's interruption warnings and rebalance recommendations", () => {
    for (const detailType of [SPOT_INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION]) {
      template().hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.ec2'], 'detail-type': [detailType] },
        Targets: [
          Match.objectLike({
            Arn: { Ref: Match.stringLikeRegexp('^SpotInterruptionStateMachine') },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          }),
        ],
      });
    }
  });

  it("maps each Kubernetes-using cost function to its step's group, and the EKS-only ones to none", () => {
    const entries = Object.entries(resourcesOfType(template(), 'AWS::EKS::AccessEntry'));
    const groupsOf = (handler: string) =>
      entries
        .filter(([logicalId]) => logicalId.startsWith(`${pascalCase(handler)}AccessEntry`))
        .map(([, entry]) => entry.Properties.KubernetesGroups);
    for (const { group, handlers } of COST_KUBERNETES_GROUPS) {
      expect(allFunctionGroups()).toContain(group);
      for (const handler of handlers) expect(groupsOf(handler)).toEqual([[group]]);
    }
    for (const handler of EKS_ONLY_COST_FUNCTIONS) expect(groupsOf(handler)).toEqual([]);
    expect(entries).toHaveLength(COST_KUBERNETES_GROUPS.flatMap(({ handlers }) => handlers).length);
    for (const [, entry] of entries) {
      expect(entry.Properties.ClusterName).toBe(config.clusterName);
      expect(entry.Properties.AccessPolicies).toBeUndefined();
    }
  });

  it('confines every ops-table grant to the partition keys of the cost items', () => {
    const statements = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy')).flatMap(
      (policy) =>
        (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Condition?: unknown }[];
          }
        ).Statement,
    );
    const tableStatements = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('dynamodb:')),
    );
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) {
      const keys = JSON.stringify(statement.Condition);
      expect(keys).toMatch(/dynamodb:LeadingKeys/);
      expect(keys).toMatch(
        /LOCK#(off-hours|spot-migration|cost-optimise)#|OFFHOURS#|RIGHTSIZING#|AUDIT#(off-hours|spot-migration|spot-interruption|cost-optimise)#/,
      );
    }
  });

  it('has its own dashboard and an alarm per workflow and function', () => {
    template().hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: `lakehouse-ops-${name}-cost`,
    });
    template().resourceCountIs('AWS::CloudWatch::Alarm', 4 * 2 + COST_FUNCTION_NAMES.length);
  });

  it('runs cost-optimise weekly with the configured history, and keeps its reports in a private, logged bucket', () => {
    template().hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `lakehouse-ops-${name}-cost-optimise`,
      ScheduleExpression: config.schedules.costOptimise.expression,
      Target: Match.objectLike({ Input: JSON.stringify(scheduledCostOptimiseInput(config)) }),
    });
    template().hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'cost-report-bucket/' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'rightsizing/', ExpirationInDays: 90 }),
          Match.objectLike({ Prefix: 'cost-optimise/', ExpirationInDays: 400 }),
        ]),
      },
    });
  });

  it('prices right-sizing from the node groups and passes the apply mode of the environment', () => {
    const variables = Object.values(resourcesOfType(template(), 'AWS::Lambda::Function')).map(
      (fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    );
    const recommend = variables.find((variable) => 'COST_RIGHTSIZING' in variable);
    const pricing = JSON.parse(String(recommend?.COST_PRICING));
    expect(pricing.pools.compute).toMatchObject({
      instanceType: config.cluster.nodeGroups.compute.instanceTypes[0],
      capacityType: 'SPOT',
    });
    expect(pricing.pools.storage.capacityType).toBe('ON_DEMAND');
    const plan = variables.find((variable) => 'RIGHTSIZING_APPLY' in variable);
    expect(JSON.parse(String(plan?.RIGHTSIZING_APPLY)).mode).toBe(name === 'production' ? 'dry-run' : 'on');
  });
});
