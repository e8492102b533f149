import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, buildApp } from '../../infra/app-builder.ts';

export interface SynthesizedEnvironment extends BuiltApp {
  readonly template: Template;
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
  return { ...built, template: Template.fromStack(built.opsStack), assemblyDirectory: assembly.directory };
}

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

export function resourcesOfType(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

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
 * The ASL of the only state machine, with each `Fn::GetAtt [<id>, Arn]` replaced by
 * `<id>.Arn` so Task resources can be traced back to their functions.
 */
export function stateMachineDefinition(template: Template): AslStateMachine {
  const machines = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const definition = machines[0]!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (!getAtt) throw new Error(`unexpected token in DefinitionString: ${JSON.stringify(part)}`);
      return `${getAtt[0]}.${getAtt[1]}`;
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

/** Every state of a definition, Parallel branches included, by name. */
export function allStates(machine: AslStateMachine): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    states[name] = state;
    for (const branch of (state.Branches as AslStateMachine[] | undefined) ?? []) {
      Object.assign(states, allStates(branch));
    }
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
