/**
 * The transitions of one Amazon States Language graph (a state machine's States, a Parallel
 * branch or a Map item processor) and its loops, found as strongly connected components.
 */

export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

export interface AslGraph {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** Where a state can go next: Next, a Choice's rules and Default, and its Catch targets. */
export function successorsOf(state: AslState): string[] {
  const targets = [
    state.Next,
    state.Default,
    ...((state.Choices as { Next?: unknown }[] | undefined) ?? []).map((rule) => rule.Next),
    ...((state.Catch as { Next?: unknown }[] | undefined) ?? []).map((catcher) => catcher.Next),
  ];
  return [...new Set(targets.filter((target): target is string => typeof target === 'string'))];
}

/**
 * The graph's states grouped into strongly connected components (Tarjan), each in definition
 * order. A component of several states, or of one state that leads to itself, is a loop.
 */
export function stronglyConnectedComponents(graph: AslGraph): string[][] {
  const order = Object.keys(graph.States);
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (name: string) => {
    index.set(name, index.size);
    lowLink.set(name, index.get(name)!);
    stack.push(name);
    onStack.add(name);
    for (const next of successorsIn(graph, name)) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(name, Math.min(lowLink.get(name)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(name, Math.min(lowLink.get(name)!, index.get(next)!));
      }
    }
    if (lowLink.get(name) !== index.get(name)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== name);
    components.push(component.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  };
  for (const name of order) if (!index.has(name)) visit(name);
  return components;
}

export function isLoop(graph: AslGraph, component: readonly string[]): boolean {
  const [only] = component;
  return component.length > 1 || (only !== undefined && successorsIn(graph, only).includes(only));
}

/** Successors of a state, refusing a transition to a state the graph does not have. */
export function successorsIn(graph: AslGraph, name: string): string[] {
  const state = graph.States[name];
  if (!state)
    throw new Error(`state "${name}" is not in this graph (states: ${Object.keys(graph.States).join(', ')})`);
  const successors = successorsOf(state);
  const unknown = successors.find((next) => !(next in graph.States));
  if (unknown) throw new Error(`state "${name}" goes to "${unknown}", which this graph does not have`);
  return successors;
}
