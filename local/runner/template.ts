import { buildApp } from '../../infra/app-builder.ts';
import { foldNestedStacks } from './nested-stacks.ts';

/**
 * The OpsStack's CloudFormation template, synthesized in-process exactly as `cdk synth` does but
 * with bundling off: the runner reads definitions and metadata, never the bundles. Its nested
 * stacks are folded in (./nested-stacks.ts), so the runner sees one template.
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

export function synthesizeOpsStack(environment: string): SynthesizedStack {
  // CloudFormation schema validation changes nothing in the template and costs ~10 s per synth;
  // `cdk synth` (CI, deploy) still runs it. cdk-nag stays on: a finding must fail the drill too.
  const { app, opsStack } = buildApp({ environment, bundling: false, cloudFormationValidation: false });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(opsStack.artifactId);
  return {
    stackName: artifact.stackName,
    template: foldNestedStacks(artifact.template as CfnTemplate, assembly.directory, opsStack.artifactId),
  };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
