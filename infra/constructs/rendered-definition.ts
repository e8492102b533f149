import { Stack } from 'aws-cdk-lib';
import type { CfnStateMachine, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { AslGraph } from './state-graph.ts';

export type RenderedDefinition = AslGraph & { readonly TimeoutSeconds?: number };

/**
 * The ASL of a state machine as its DefinitionString renders it, read from the construct during
 * synth. Deploy-time values (function ARNs, partitions) stay as `${<logical id>.<attribute>}` or
 * `${<ref>}` placeholders: the structure, timeouts and integration patterns are all literal.
 */
export function renderedDefinition(stateMachine: StateMachine): RenderedDefinition {
  const resource = stateMachine.node.defaultChild as CfnStateMachine;
  if (resource.definitionString === undefined) {
    throw new Error(
      `${stateMachine.node.path}: expected a DefinitionString (a definition in S3 cannot be read at synth)`,
    );
  }
  const resolved: unknown = Stack.of(stateMachine).resolve(resource.definitionString);
  return JSON.parse(joinedText(resolved, stateMachine.node.path)) as RenderedDefinition;
}

function joinedText(resolved: unknown, path: string): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join)
    throw new Error(
      `${path}: DefinitionString resolved to ${JSON.stringify(resolved)}, expected a string or Fn::Join`,
    );
  return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part))).join(join[0]);
}

function placeholder(token: unknown): string {
  const { Ref, 'Fn::GetAtt': getAtt } = token as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (Ref) return `\${${Ref}}`;
  if (getAtt) return `\${${getAtt.join('.')}}`;
  return `\${${Object.keys(token as object).join(',')}}`;
}
