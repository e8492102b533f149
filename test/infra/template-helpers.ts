import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll } from 'vitest';
import { type BuiltApp, buildApp } from '../../infra/app-builder.ts';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../infra/config/environment-config.ts';

export interface SynthesizedEnvironment extends BuiltApp {
  /** The OpsStack's template. */
  readonly template: Template;
  readonly clusterTemplate: Template;
  /** The OpsStack's Cost nested stack. */
  readonly costTemplate: Template;
  /** The OpsStack's Replication nested stack. */
  readonly replicationTemplate: Template;
  /** The DR control plane in drRegion (dr-failover, dr-failback and their functions). */
  readonly drTemplate: Template;
  /** The OpsStack's DrAgents nested stack (the primary's fence, lift and resync agents). */
  readonly drAgentsTemplate: Template;
  readonly assemblyDirectory: string;
}

/** Builds and synthesizes one environment without bundling (the template is what tests read). */
export function synthesizeEnvironment(
  environment: string,
  options: { cloudFormationValidation?: boolean } = {},
): SynthesizedEnvironment {
  const built = buildApp({
    environment,
    bundling: false,
    cloudFormationValidation: options.cloudFormationValidation ?? false,
  });
  const assembly = built.app.synth();
  return {
    ...built,
    template: Template.fromStack(built.opsStack),
    clusterTemplate: Template.fromStack(built.clusterStack),
    costTemplate: Template.fromStack(built.opsStack.cost),
    replicationTemplate: Template.fromStack(built.opsStack.replication),
    drTemplate: Template.fromStack(built.drStack),
    drAgentsTemplate: Template.fromStack(built.opsStack.drAgents),
    assemblyDirectory: assembly.directory,
  };
}

/**
 * Synthesizes one environment once, before the tests of the calling file, and returns its getter
 * (a synthesis takes seconds: every test of the file reads the same one).
 */
export function synthesizeBeforeAll(environment: string): () => SynthesizedEnvironment {
  let synthesized: SynthesizedEnvironment | undefined;
  beforeAll(() => {
    synthesized = synthesizeEnvironment(environment);
  }, 120_000);
  return () => {
    if (!synthesized) throw new Error(`${environment} is synthesized in beforeAll: read it inside a test`);
    return synthesized;
  };
}

/** Every environment synthesized once, before the tests of the calling file; the getter takes its name. */
export function synthesizeEveryEnvironmentBeforeAll(): (
  environment: EnvironmentName,
) => SynthesizedEnvironment {
  const environments = new Map<EnvironmentName, SynthesizedEnvironment>();
  beforeAll(() => {
    for (const name of ENVIRONMENT_NAMES) environments.set(name, synthesizeEnvironment(name));
  }, 180_000);
  return (environment) => {
    const synthesized = environments.get(environment);
    if (!synthesized) throw new Error(`${environment} is synthesized in beforeAll: read it inside a test`);
    return synthesized;
  };
}

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

export function resourcesOfType(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

export type PolicyStatement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

/** The statements of every IAM policy whose logical id starts with the prefix ('' for all). */
export function policyStatements(template: Template, logicalIdPrefix: string): PolicyStatement[] {
  return Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix))
    .flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
    );
}

/**
 * The `Fn::ImportValue` by which another stack reads this value of the template (CDK exports a
 * value once a stack of the same region references it); throws when the template does not export it.
 */
export function importOf(template: Template, value: unknown): { 'Fn::ImportValue': string } {
  const outputs = Object.values(template.toJSON().Outputs ?? {}) as {
    Value: unknown;
    Export?: { Name: string };
  }[];
  const exported = outputs.find(
    (output) => output.Export && JSON.stringify(output.Value) === JSON.stringify(value),
  );
  if (!exported?.Export) throw new Error(`the template exports no ${JSON.stringify(value)}`);
  return { 'Fn::ImportValue': exported.Export.Name };
}

/** The logical id of the template's only resource of this type. */
export function onlyLogicalIdOf(template: Template, type: string): string {
  const ids = Object.keys(resourcesOfType(template, type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Logical id of each Lambda function -> its handler module (from the runner's Metadata). */
export function handlerModulesByLogicalId(template: Template): Record<string, string> {
  return Object.fromEntries(
    Object.entries(resourcesOfType(template, 'AWS::Lambda::Function')).map(([logicalId, resource]) => [
      logicalId,
      String(resource.Metadata?.['lakehouse-ops:handler']),
    ]),
  );
}

/**
 * The ASL of a workflow's state machine, with each `Fn::GetAtt [<id>, Arn]` replaced by
 * `<id>.Arn` so Task resources can be traced back to their functions, and each `Ref` by `${<id>}`.
 */
export function stateMachineDefinition(template: Template, workflow?: string): AslStateMachine {
  const machines = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine')).filter(
    (machine) => workflow === undefined || machine.Metadata?.['lakehouse-ops:workflow'] === workflow,
  );
  if (machines.length !== 1) {
    throw new Error(
      `expected one ${workflow ?? ''} state machine, found ${machines.length}`.replace('  ', ' '),
    );
  }
  const definition = machines[0]!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      if (token['Fn::GetAtt']) return `${token['Fn::GetAtt'][0]}.${token['Fn::GetAtt'][1]}`;
      // Pseudo parameters (ARN partitions) and resource names (a bucket) inside JSON strings.
      if (token.Ref) return `\${${token.Ref}}`;
      throw new Error(`unexpected token in DefinitionString: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text) as AslStateMachine;
}

export interface AslState {
  Type: string;
  [field: string]: unknown;
}
export interface AslStateMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** Every state of a definition, Parallel branches and Map item processors included, by name. */
export function allStates(machine: AslStateMachine): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    states[name] = state;
    const nested = [...((state.Branches as AslStateMachine[] | undefined) ?? [])];
    if (state.ItemProcessor) nested.push(state.ItemProcessor as AslStateMachine);
    for (const graph of nested) Object.assign(states, allStates(graph));
  }
  return states;
}

export interface PluginReport {
  pluginName: string;
  violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
}

export function validationReport(assemblyDirectory: string): PluginReport[] {
  const report = JSON.parse(readFileSync(path.join(assemblyDirectory, 'validation-report.json'), 'utf8'));
  return report.pluginReports as PluginReport[];
}

export interface Finding {
  ruleId: string;
  constructPath: string;
}

/** Every AwsSolutions finding, acknowledged or not: cdk-nag with its acknowledgement check off. */
export function unacknowledgedFindings(app: App): Finding[] {
  const checks = new AwsSolutionsChecks();
  Object.defineProperty(checks, 'isAcknowledged', { value: () => false });
  return checks.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      ruleId: violation.ruleName,
      constructPath: resource.constructPath ?? '',
    })),
  );
}

export function acknowledgementsIn(app: App): { constructPath: string; ruleId: string; reason: string }[] {
  return app.node.findAll().flatMap((construct: IConstruct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          constructPath: construct.node.path,
          ruleId: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/**
 * cdk-nag's own acknowledgements in the app (CDK acknowledges CloudFormation-validation warnings
 * of its L2s itself), and those that match no finding on their construct or below it, or give a
 * reason too short to be one: an acknowledgement must answer a real finding.
 */
export function acknowledgementAudit(app: App): { acknowledgements: number; withoutFinding: string[] } {
  const findings = unacknowledgedFindings(app);
  const acknowledgements = acknowledgementsIn(app).filter(({ ruleId }) => ruleId.startsWith('AwsSolutions-'));
  const withoutFinding = acknowledgements
    .filter(
      ({ constructPath, ruleId, reason }) =>
        reason.length <= 20 ||
        !findings.some(
          (finding) =>
            finding.ruleId === ruleId &&
            (finding.constructPath === constructPath ||
              finding.constructPath.startsWith(`${constructPath}/`)),
        ),
    )
    .map(({ constructPath, ruleId }) => `${ruleId} on ${constructPath}`);
  return { acknowledgements: acknowledgements.length, withoutFinding };
}
