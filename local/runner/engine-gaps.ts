import { type AslDefinition, allStates } from './definition.ts';
import { evaluatePayloadTemplate, usesJsonToString } from './payload-template.ts';

/**
 * The one place where the runner bridges what aws-local-stepfunctions 3.0.0 lacks or gets wrong
 * (DESIGN.md, "The embedded local lakehouse", point 6). What is bridged today:
 *
 * - States.JsonToString in a Pass state's Parameters. The engine strips every backslash from
 *   intrinsic results, so JSON holding a string with quotes (a Lambda error cause, for one) comes
 *   out as invalid JSON. Such a Pass runs as a local step that evaluates its Parameters as Step
 *   Functions does; InputPath, ResultPath and OutputPath stay with the engine, and the timeline
 *   still reports the state as a Pass.
 *
 * What is refused up front, with the state's name, until a workflow needs it:
 *
 * - ItemReader / ResultWriter (Distributed Map over S3): to bridge, read the items from the local
 *   S3 endpoint, inline them as the Map's input (ItemsPath) and drop ItemReader.
 * - Task tokens (`.waitForTaskToken` resources): to bridge, replace the Task with a local handler
 *   that parks the token in the ops table and resolves when SendTaskSuccess/Failure is called.
 * - JSONata and Assign variables (workflows use JSONPath and no variables).
 * - States.JsonToString anywhere but in a Pass state's Parameters.
 */
export class UnsupportedByLocalEngineError extends Error {
  override readonly name = 'UnsupportedByLocalEngineError';
}

export interface BridgedDefinition {
  readonly definition: AslDefinition;
  /** Local steps for bridged states, keyed by state name like the engine's task overrides. */
  readonly localSteps: Record<string, (input: unknown) => Promise<unknown>>;
  /** The type each bridged state has in the deployed definition, for the timeline. */
  readonly originalTypes: Record<string, string>;
}

/** Resource of a bridged Pass: a well-formed ARN that no deployed definition contains. */
const LOCAL_STEP_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:lakehouse-ops-local-runner-step';

export function bridgeEngineGaps(workflow: string, deployed: AslDefinition): BridgedDefinition {
  const definition = structuredClone(deployed);
  const localSteps: BridgedDefinition['localSteps'] = {};
  const originalTypes: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, state] of allStates(definition)) {
    if ('ItemReader' in state || 'ResultWriter' in state)
      problems.push(`${name}: Distributed Map ItemReader/ResultWriter`);
    if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
      problems.push(`${name}: task token (${state.Resource})`);
    }
    if (state.QueryLanguage === 'JSONata' || 'Assign' in state) {
      problems.push(`${name}: JSONata or Assign variables (workflows must use JSONPath and no variables)`);
    }
    const templates = [state.Parameters, state.ResultSelector, state.ItemSelector];
    if (state.Type === 'Pass' && usesJsonToString(state.Parameters)) {
      const parameters = state.Parameters;
      localSteps[name] = async (input) => evaluatePayloadTemplate(parameters, input, `${name}.Parameters`);
      originalTypes[name] = 'Pass';
      delete state.Parameters;
      state.Type = 'Task';
      state.Resource = LOCAL_STEP_RESOURCE;
    } else if (templates.some(usesJsonToString)) {
      problems.push(`${name}: States.JsonToString outside a Pass state's Parameters`);
    }
  }
  if (problems.length > 0) {
    throw new UnsupportedByLocalEngineError(
      `Workflow ${workflow} uses features the local runner does not bridge yet (see local/runner/engine-gaps.ts):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
  }
  return { definition, localSteps, originalTypes };
}
