import { Stack, Validations } from 'aws-cdk-lib';
import type { IManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag names an AWS-managed-policy finding after the policy
 * (`AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/<name>]`); acknowledging each
 * by that name keeps the acknowledgement to the policies listed, not every managed policy the role
 * might get later.
 */
export function acknowledgeManagedPolicies(
  role: IConstruct,
  policies: readonly IManagedPolicy[],
  reason: string,
) {
  for (const policy of policies) {
    const resource = flattenCfnReference(Stack.of(role).resolve(policy.managedPolicyArn));
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM4[Policy::${resource}]`, reason });
  }
}
