import { buildApp } from '../../infra/app-builder.ts';
import { foldNestedStacks, NestedStackFoldError, prefixedTemplate } from './nested-stacks.ts';

/**
 * The OpsStack's CloudFormation template, synthesized in-process exactly as `cdk synth` does but
 * with bundling off: the runner reads definitions and metadata, never the bundles. Its nested
 * stacks are folded in (./nested-stacks.ts), and so is the DR control plane (the DrStack, in
 * drRegion in AWS), its logical ids prefixed: locally both regions are one process, so the runner
 * sees one template with every workflow.
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/** The prefix of the DR control plane's logical ids in the merged template. */
export const DR_STACK_PREFIX = 'DrStack';

export function synthesizeOpsStack(environment: string): SynthesizedStack {
  // CloudFormation schema validation changes nothing in the template and costs ~10 s per synth;
  // `cdk synth` (CI, deploy) still runs it. cdk-nag stays on: a finding must fail the drill too.
  const { app, opsStack, drStack } = buildApp({
    environment,
    bundling: false,
    cloudFormationValidation: false,
  });
  const assembly = app.synth();
  const folded = (artifactId: string) =>
    foldNestedStacks(
      assembly.getStackArtifact(artifactId).template as CfnTemplate,
      assembly.directory,
      artifactId,
    );
  return {
    stackName: assembly.getStackArtifact(opsStack.artifactId).stackName,
    template: withDrControlPlane(folded(opsStack.artifactId), folded(drStack.artifactId)),
  };
}

/**
 * The OpsStack's template with the DrStack's resources added under DR_STACK_PREFIX (logical ids are
 * unique per template only: both stacks have a `Key`, a notify function, ...).
 */
export function withDrControlPlane(ops: CfnTemplate, dr: CfnTemplate): CfnTemplate {
  const prefixed = prefixedTemplate(dr, DR_STACK_PREFIX) as CfnTemplate;
  for (const id of Object.keys(prefixed.Resources)) {
    if (id in ops.Resources) throw new NestedStackFoldError(`the DR stack's ${id} is also the OpsStack's`);
  }
  return { ...ops, Resources: { ...ops.Resources, ...prefixed.Resources } };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
