import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestedStack, type Stack } from 'aws-cdk-lib';
import type { CfnResource, CfnTemplate } from './template.ts';

/**
 * The OpsStack grows past CloudFormation's 500 resources per stack, so whole domains (cost) live in
 * nested stacks. In AWS, CloudFormation passes the parent's values in as the nested template's
 * Parameters and hands Outputs back; locally the runner needs one template in which every Ref and
 * GetAtt resolves, so each nested template is folded into its parent:
 * - a `{ Ref: <parameter> }` in the nested template becomes the expression the parent passes for it
 *   (a Ref or GetAtt of a parent resource, which the runner already resolves);
 * - a parent's `{ Fn::GetAtt: [<nested stack>, "Outputs.<name>"] }` becomes that output's value;
 * - the nested resources join the parent's (a logical id in both is an error: CDK derives ids from
 *   construct paths, so it never happens unless two constructs are named alike on purpose).
 */
export class NestedStackFoldError extends Error {
  override readonly name = 'NestedStackFoldError';
}

interface NestedTemplate {
  readonly Parameters?: Record<string, unknown>;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

function substitute(node: unknown, replace: (object: Record<string, unknown>) => unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => substitute(item, replace));
  if (typeof node !== 'object' || node === null) return node;
  const replaced = replace(node as Record<string, unknown>);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substitute(value, replace)]));
}

function singleKey(object: Record<string, unknown>, key: string): unknown {
  const keys = Object.keys(object);
  return keys.length === 1 && keys[0] === key ? object[key] : undefined;
}

/** One nested template with the parent's parameter values put in place of its Parameters. */
function resolvedNestedTemplate(
  nested: NestedTemplate,
  parameterValues: Record<string, unknown>,
  where: string,
): NestedTemplate {
  for (const name of Object.keys(nested.Parameters ?? {})) {
    if (!(name in parameterValues)) {
      throw new NestedStackFoldError(`${where}: the parent passes no value for parameter ${name}`);
    }
  }
  return substitute(nested, (object) => {
    const reference = singleKey(object, 'Ref');
    return typeof reference === 'string' && reference in parameterValues
      ? parameterValues[reference]
      : undefined;
  }) as NestedTemplate;
}

/**
 * `template` (the parent's, as synthesized into `assemblyDirectory`) with every nested stack of
 * `stack` folded in. Nested stacks of nested stacks are folded recursively.
 */
export function foldNestedStacks(
  template: CfnTemplate,
  assemblyDirectory: string,
  stack: Stack,
): CfnTemplate {
  const nestedStacks = stack.node
    .findAll()
    .filter((construct): construct is NestedStack => NestedStack.isNestedStack(construct))
    .filter((nested) => nested.nestedStackParent === stack);
  if (nestedStacks.length === 0) return template;

  const resources: Record<string, CfnResource> = { ...template.Resources };
  const outputsByStack = new Map<string, Record<string, { Value: unknown }>>();
  for (const nested of nestedStacks) {
    const logicalId = stack.resolve(nested.nestedStackResource?.logicalId) as string;
    const parentResource = resources[logicalId];
    if (!parentResource)
      throw new NestedStackFoldError(`${nested.node.path}: no resource ${logicalId} in its parent`);
    const where = `nested stack ${nested.node.path}`;
    const raw = JSON.parse(
      readFileSync(join(assemblyDirectory, nested.templateFile), 'utf8'),
    ) as NestedTemplate;
    const parameterValues = (parentResource.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const folded = foldNestedStacks(
      resolvedNestedTemplate(raw, parameterValues, where) as CfnTemplate,
      assemblyDirectory,
      nested,
    );
    delete resources[logicalId];
    for (const [id, resource] of Object.entries(folded.Resources ?? {})) {
      if (id in resources) throw new NestedStackFoldError(`${where}: logical id ${id} is also in its parent`);
      resources[id] = resource;
    }
    outputsByStack.set(logicalId, (folded as NestedTemplate).Outputs ?? {});
  }

  return {
    ...template,
    Resources: substitute(resources, (object) => {
      const attribute = singleKey(object, 'Fn::GetAtt');
      if (!Array.isArray(attribute)) return undefined;
      const [logicalId, name] = attribute as [string, string];
      const outputs = outputsByStack.get(logicalId);
      if (!outputs) return undefined;
      const output = name.startsWith('Outputs.') ? outputs[name.slice('Outputs.'.length)] : undefined;
      if (!output)
        throw new NestedStackFoldError(
          `the parent reads ${name} of nested stack ${logicalId}, which has no such output`,
        );
      return output.Value;
    }) as Record<string, CfnResource>,
  };
}
