import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnResource, CfnTemplate } from './template.ts';

/**
 * The OpsStack grows past CloudFormation's 500 resources per stack, so whole domains (cost) live in
 * nested stacks. In AWS, CloudFormation passes the parent's values in as the nested template's
 * Parameters and hands Outputs back; locally the runner needs one template in which every Ref and
 * GetAtt resolves, so each nested template is folded into its parent:
 * - a `{ Ref: <parameter> }` in the nested template becomes the expression the parent passes for it
 *   (a Ref or GetAtt of a parent resource, which the runner already resolves);
 * - a parent's `{ Fn::GetAtt: [<nested stack>, "Outputs.<name>"] }` becomes that output's value;
 * - the nested resources join the parent's, each logical id prefixed with the nested stack's own
 *   (ids are unique per template only: a nested `Observability/Dashboard` has the parent's id), and
 *   every Ref, GetAtt and DependsOn in the nested template follows the rename.
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

/** The nested template with its resources renamed `<prefix><logical id>`, references included. */
export function prefixedTemplate(nested: NestedTemplate, prefix: string): NestedTemplate {
  const own = new Set(Object.keys(nested.Resources ?? {}));
  const renamed = (id: unknown) => (typeof id === 'string' && own.has(id) ? `${prefix}${id}` : id);
  const rewritten = substitute(nested, (object) => {
    const reference = singleKey(object, 'Ref');
    if (typeof reference === 'string' && own.has(reference)) return { Ref: renamed(reference) };
    const attribute = singleKey(object, 'Fn::GetAtt');
    if (Array.isArray(attribute) && own.has(attribute[0])) {
      return { 'Fn::GetAtt': [renamed(attribute[0]), ...attribute.slice(1)] };
    }
    return undefined;
  }) as NestedTemplate;
  const resources = Object.entries(rewritten.Resources ?? {}).map(([id, resource]) => {
    const dependsOn = (resource as { DependsOn?: string | string[] }).DependsOn;
    const renamedDependsOn =
      dependsOn === undefined ? {} : { DependsOn: [dependsOn].flat().map((name) => renamed(name) as string) };
    return [renamed(id) as string, { ...resource, ...renamedDependsOn }] as const;
  });
  return { ...rewritten, Resources: Object.fromEntries(resources) };
}

/** Asset hash -> file name of every file asset the stack's assets manifest lists (nested templates too). */
function nestedTemplateFiles(assemblyDirectory: string, stackArtifactId: string): Map<string, string> {
  const manifest = JSON.parse(
    readFileSync(join(assemblyDirectory, `${stackArtifactId}.assets.json`), 'utf8'),
  ) as { files?: Record<string, { source: { path?: string } }> };
  return new Map(
    Object.entries(manifest.files ?? {})
      .filter(([, asset]) => asset.source.path?.endsWith('.nested.template.json'))
      .map(([hash, asset]) => [hash, asset.source.path as string]),
  );
}

/** The asset hash in a nested stack resource's TemplateURL (`.../<sha256>.json`). */
function templateHashOf(resource: CfnResource): string | undefined {
  return JSON.stringify(resource.Properties?.TemplateURL ?? '').match(/([0-9a-f]{64})\.json/)?.[1];
}

/**
 * `template` (the stack `stackArtifactId`'s, as synthesized into `assemblyDirectory` by `cdk synth`
 * or in-process) with every nested stack folded in, recursively. The nested templates are found
 * the way CloudFormation is told to find them: each stack resource's TemplateURL names an asset,
 * which the stack's assets manifest maps to its file.
 */
export function foldNestedStacks(
  template: CfnTemplate,
  assemblyDirectory: string,
  stackArtifactId: string,
): CfnTemplate {
  const nestedIds = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudFormation::Stack')
    .map(([id]) => id);
  if (nestedIds.length === 0) return template;
  const files = nestedTemplateFiles(assemblyDirectory, stackArtifactId);

  const resources: Record<string, CfnResource> = { ...template.Resources };
  const outputsByStack = new Map<string, Record<string, { Value: unknown }>>();
  for (const logicalId of nestedIds) {
    const parentResource = resources[logicalId] as CfnResource;
    const where = `nested stack ${logicalId}`;
    const file = files.get(templateHashOf(parentResource) ?? '');
    if (!file)
      throw new NestedStackFoldError(
        `${where}: its TemplateURL names no nested template of the assets manifest`,
      );
    const raw = JSON.parse(readFileSync(join(assemblyDirectory, file), 'utf8')) as NestedTemplate;
    const parameterValues = (parentResource.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const folded = foldNestedStacks(
      resolvedNestedTemplate(prefixedTemplate(raw, logicalId), parameterValues, where) as CfnTemplate,
      assemblyDirectory,
      stackArtifactId,
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
