import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { defaultPolicyOf } from './backup-function-setup.ts';

/**
 * Least-privilege grants that functions of several workflows need: the EKS cluster and its node
 * groups, one Secrets Manager secret by name, the notification topic. Each names exactly the
 * resource of this environment; the wildcards that remain are acknowledged with their reason.
 */

export function clusterArn(scope: Construct, clusterName: string): string {
  return Stack.of(scope).formatArn({ service: 'eks', resource: 'cluster', resourceName: clusterName });
}

/** DescribeCluster gives the endpoint and CA the Kubernetes client needs. */
export function grantDescribeCluster(fn: OpsFunction, clusterName: string, extraActions: string[] = []) {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['eks:DescribeCluster', ...extraActions],
      resources: [clusterArn(fn, clusterName)],
    }),
  );
}

/** Actions on the node groups of one cluster (DescribeNodegroup unless told otherwise). */
export function grantNodegroups(
  fn: OpsFunction,
  clusterName: string,
  actions: readonly string[] = ['eks:DescribeNodegroup'],
) {
  // Node group ARNs end in /<name>/<uuid>: the names come from ListNodegroups at run time and the
  // uuid is assigned by EKS, so the cluster's node groups can only be named by pattern.
  const nodegroups = Stack.of(fn).formatArn({
    service: 'eks',
    resource: 'nodegroup',
    resourceName: `${clusterName}/*/*`,
  });
  fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [nodegroups] }));
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [nodegroups],
    `${actions.join(', ')} on the node groups of this one cluster; names are discovered at run time and EKS appends a uuid`,
  );
}

/** The ARN of a secret known by name, without the suffix Secrets Manager adds to it. */
export function secretArnOfName(scope: Construct, secretName: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: secretName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * GetSecretValue on one secret, by name: no reference to a Secret construct, so a secret whose
 * value names the function (the webhook's URL) creates no dependency cycle.
 */
export function grantReadSecret(fn: OpsFunction, secretName: string, what: string) {
  // Secrets Manager appends "-" and six random characters to a secret's ARN; "??????" matches
  // exactly those, which is narrower than the "<name>*" that grantRead uses for a secret by name.
  const secretArn = `${secretArnOfName(fn, secretName)}-??????`;
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
  );
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [secretArn],
    `GetSecretValue on ${what}; "??????" is the random suffix Secrets Manager adds to its ARN`,
  );
}

export function grantPublish(fn: OpsFunction, topic: ITopic, key: IKey) {
  // Written out instead of topic.grantPublish, which grants kms:GenerateDataKey* (a wildcard).
  fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
  );
}
