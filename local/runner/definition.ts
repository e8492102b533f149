import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Walks and normalizes Amazon States Language definitions for aws-local-stepfunctions.
 */

export type AslState = Record<string, unknown> & { Type: string };
export type AslDefinition = StateMachineDefinition;

/** Every state of a definition, including those nested in Parallel branches and Map processors. */
export function* allStates(definition: { States: Record<string, unknown> }): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(definition.States) as [string, AslState][]) {
    yield [name, state];
    const nested = [
      ...((state.Branches as { States: Record<string, unknown> }[] | undefined) ?? []),
      ...[state.Iterator, state.ItemProcessor].filter(Boolean),
    ] as { States: Record<string, unknown> }[];
    for (const child of nested) yield* allStates(child);
  }
}

/**
 * Removes `ResultPath: "$"` from states and catchers. In ASL it means "the result replaces the
 * input", which is also what an absent ResultPath means; aws-local-stepfunctions 3.0.0 instead
 * writes the result under a literal "$" key of the input. Returns a normalized deep copy.
 */
export function normalizeForLocalEngine(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  for (const [, state] of allStates(copy)) {
    if (state.ResultPath === '$') delete state.ResultPath;
    for (const catcher of (state.Catch as Record<string, unknown>[] | undefined) ?? []) {
      if (catcher.ResultPath === '$') delete catcher.ResultPath;
    }
  }
  return copy;
}
