import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { allFunctionGroups, FUNCTION_GROUPS } from '../../../cluster-manifests/src/rbac.ts';
import type { OpsFunction } from '../../../infra/constructs/ops-function.ts';
import {
  grantFunctionsKubernetesGroups,
  WORKFLOW_KUBERNETES_GROUPS,
} from '../../../infra/stacks/function-access-entries.ts';
import type { OpsHandlerName } from '../../../infra/stacks/ops-functions.ts';
import { resourcesOfType } from '../template-helpers.ts';

/** What the access entries read of a function: its environment schema and its role. */
function fakeFunction(stack: Stack, id: string, usesCluster: boolean): OpsFunction {
  const environmentSchema = usesCluster
    ? z.object({ CLUSTER_NAME: z.string() })
    : z.object({ ENVIRONMENT_NAME: z.string() });
  const role = new Role(stack, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  return { environmentSchema, role } as unknown as OpsFunction;
}

function entriesOf(stack: Stack) {
  return Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::EKS::AccessEntry')).map(
    (entry) => entry.Properties,
  );
}

describe('grantFunctionsKubernetesGroups', () => {
  it('gives a function every group of the workflows that run it, in one entry', () => {
    const stack = new Stack(new App(), 'Entries');
    const functions = { 'check-nodes': fakeFunction(stack, 'CheckNodes', true) };
    grantFunctionsKubernetesGroups(stack, 'lakehouse-test', functions, [
      { group: 'lakehouse-ops:validate-platform', handlers: ['check-nodes'] },
      { group: 'lakehouse-ops:backup', handlers: ['check-nodes', 'dump-postgres'] },
    ]);
    expect(entriesOf(stack)).toEqual([
      {
        ClusterName: 'lakehouse-test',
        PrincipalArn: { 'Fn::GetAtt': [expect.stringMatching(/^CheckNodesRole/), 'Arn'] },
        Type: 'STANDARD',
        KubernetesGroups: ['lakehouse-ops:backup', 'lakehouse-ops:validate-platform'],
      },
    ]);
  });

  it('gives no entry to a function that never talks to the cluster', () => {
    const stack = new Stack(new App(), 'Entries');
    grantFunctionsKubernetesGroups(stack, 'lakehouse-test', {
      notify: fakeFunction(stack, 'Notify', false),
      'dump-postgres': fakeFunction(stack, 'DumpPostgres', true),
    });
    expect(entriesOf(stack).map((entry) => entry.KubernetesGroups)).toEqual([['lakehouse-ops:backup']]);
  });

  it('refuses a cluster-using function that no workflow maps to a group', () => {
    const stack = new Stack(new App(), 'Entries');
    const unmapped = 'check-nodes' as OpsHandlerName;
    expect(() =>
      grantFunctionsKubernetesGroups(
        stack,
        'lakehouse-test',
        { [unmapped]: fakeFunction(stack, 'X', true) },
        [],
      ),
    ).toThrow(/check-nodes uses the cluster \(CLUSTER_NAME\) but belongs to no workflow/);
  });

  it('maps each workflow to a group the manifests bind, each group once', () => {
    const groups = WORKFLOW_KUBERNETES_GROUPS.map(({ group }) => group);
    expect(new Set(groups).size).toBe(groups.length);
    for (const group of groups) expect(allFunctionGroups()).toContain(group);
    expect(groups).toEqual(
      expect.arrayContaining([
        FUNCTION_GROUPS.validatePlatform,
        FUNCTION_GROUPS.backup,
        FUNCTION_GROUPS.provision,
      ]),
    );
  });
});
