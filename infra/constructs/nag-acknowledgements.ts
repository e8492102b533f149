import { type IResolvable, Names, Reference, Stack, Tokenization, Validations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag acknowledgements, each scoped to one policy and one finding. cdk-nag 3 names a wildcard
 * finding after the flattened resource (`AwsSolutions-IAM5[Resource::<Fn.Arn>:*]`); computing that
 * name with cdk-nag's own flattening keeps the acknowledgement exact instead of rule-wide.
 */
export const WILDCARD_RULE = 'AwsSolutions-IAM5';

export function wildcardFindingId(resource: string, scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `${WILDCARD_RULE}[Resource::${flattenCfnReference(stack.resolve(asSeenFrom(stack, resource)))}]`;
}

/**
 * `resource` as its stack's template will hold it. In a nested stack, a value of the parent (the
 * shared notify function's ARN) arrives as a parameter that CDK creates at synthesis, named
 * `reference-to-<the target's unique id><attribute>` (aws-cdk-lib core/lib/private/refs.js), so the
 * finding names that parameter, not the parent's resource.
 */
function asSeenFrom(stack: Stack, resource: string): unknown {
  if (!stack.nested) return resource;
  const fragments = Tokenization.reverseString(resource).mapTokens({
    mapToken: (token: IResolvable) => {
      if (!(token instanceof Reference) || Stack.of(token.target) === stack) return token;
      const parameter = `reference-to-${Names.nodeUniqueId(token.target.node)}${token.displayName}`;
      return { Ref: parameter.replace(/[^A-Za-z0-9]/g, '') };
    },
  });
  return fragments.join({ join: (left: unknown, right: unknown) => ({ 'Fn::Join': ['', [left, right]] }) });
}

/** Acknowledges the wildcard findings of these resources on one policy (or role). */
export function acknowledgeWildcardResources(
  policy: IConstruct,
  resources: readonly string[],
  reason: string,
) {
  for (const resource of resources) {
    const id = wildcardFindingId(resource, policy);
    if (id.includes('*')) Validations.of(policy).acknowledge({ id, reason });
  }
}

/**
 * X-Ray has no resource-level permissions: PutTraceSegments and PutTelemetryRecords only accept
 * "*". Active tracing adds them to the role's default policy, so `Resource::*` is acknowledged
 * there and nowhere else (test/infra asserts that "*" in these policies is only ever X-Ray).
 */
export function acknowledgeXRayWildcard(role: Role, alsoNeededFor?: string) {
  const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
  if (!defaultPolicy) {
    throw new Error(`${role.node.path} has no default policy to acknowledge the X-Ray wildcard on`);
  }
  const reason = [
    'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions',
    alsoNeededFor,
  ]
    .filter(Boolean)
    .join('; ');
  Validations.of(defaultPolicy).acknowledge({ id: `${WILDCARD_RULE}[Resource::*]`, reason });
}
