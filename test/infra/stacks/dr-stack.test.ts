import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DR_GROUPS } from '../../../cluster-manifests/src/rbac.ts';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { DR_HANDLERS } from '../../../infra/stacks/dr-functions.ts';
import { scheduledDrillFailbackInput, scheduledDrillFailoverInput } from '../../../infra/stacks/dr-stack.ts';
import {
  asList,
  handlerModulesByLogicalId,
  policyStatements,
  resourcesOfType,
  type SynthesizedEnvironment,
  synthesizeEnvironment,
} from '../template-helpers.ts';

const environments = {} as Record<EnvironmentName, SynthesizedEnvironment>;

beforeAll(() => {
  for (const name of ENVIRONMENT_NAMES) environments[name] = synthesizeEnvironment(name);
}, 180_000);

describe.each(ENVIRONMENT_NAMES)('DrStack (%s)', (name) => {
  const template = () => environments[name].drTemplate;
  const config = loadEnvironmentConfig(name);

  it('deploys one function per DR handler and shares notify and request-approval with the OpsStack', () => {
    expect(Object.values(handlerModulesByLogicalId(template())).sort()).toEqual(
      DR_HANDLERS.map((handler) => `functions/${handler}.handler.ts`).sort(),
    );
    expect(DR_HANDLERS).not.toContain('notify');
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

  it('lets switch-traffic change only the configured hosted zone', () => {
    const zone = (config.dr.traffic as { hostedZoneId: string }).hostedZoneId;
    const changes = policyStatements(template(), '').filter((statement) =>
      asList(statement.Action as string | string[]).includes('route53:ChangeResourceRecordSets'),
    );
    expect(changes).toHaveLength(1);
    expect(JSON.stringify(changes[0]?.Resource)).toContain(`hostedzone/${zone}`);
  });

  it('acts on the DR cluster in the DR region only', () => {
    const eks = policyStatements(template(), '').filter((statement) =>
      asList(statement.Action as string | string[]).some((action) =>
        action.startsWith('eks:UpdateNodegroupConfig'),
      ),
    );
    expect(eks.length).toBeGreaterThan(0);
    for (const statement of eks) expect(JSON.stringify(statement.Resource)).toContain(`:${config.drRegion}:`);
  });
});
