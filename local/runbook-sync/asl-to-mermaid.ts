/**
 * Renders an Amazon States Language definition as a Mermaid flowchart for the runbooks.
 * Generated from the synthesized ASL (never drawn by hand), so the runbook diagram cannot drift
 * from what Step Functions runs: a test regenerates it and compares.
 */

type AslCondition = Record<string, unknown> & {
  Variable?: string;
  And?: AslCondition[];
  Or?: AslCondition[];
  Not?: AslCondition;
};
type AslCatcher = { ErrorEquals: string[]; Next: string };
type AslRetrier = { ErrorEquals: string[]; MaxAttempts?: number };

export interface AslState {
  Type: 'Task' | 'Pass' | 'Choice' | 'Parallel' | 'Map' | 'Wait' | 'Succeed' | 'Fail';
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: (AslCondition & { Next: string })[];
  Catch?: AslCatcher[];
  Retry?: AslRetrier[];
  Branches?: AslMachine[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Error?: string;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

const COMPARISON_SYMBOLS: Record<string, string> = {
  StringEquals: '==',
  NumericEquals: '==',
  BooleanEquals: '==',
  NumericGreaterThan: '>',
  NumericGreaterThanEquals: '>=',
  NumericLessThan: '<',
  NumericLessThanEquals: '<=',
  StringMatches: 'matches',
};

/** Type tests (IsPresent, IsNull, IsString, ...) read better as words than as `== true`. */
function describeTypeTest(variable: string | undefined, operator: string, value: unknown): string {
  return `${variable} ${value === false ? 'is not' : 'is'} ${operator.slice(2).toLowerCase()}`;
}

export function describeCondition(condition: AslCondition): string {
  if (condition.And) return condition.And.map(describeCondition).join(' and ');
  if (condition.Or) return condition.Or.map(describeCondition).join(' or ');
  if (condition.Not) return `not (${describeCondition(condition.Not)})`;
  for (const [operator, value] of Object.entries(condition)) {
    if (operator === 'Variable' || operator === 'Next') continue;
    if (/^Is[A-Z]/.test(operator)) return describeTypeTest(condition.Variable, operator, value);
    const symbol = COMPARISON_SYMBOLS[operator.replace(/Path$/, '')] ?? operator;
    return `${condition.Variable} ${symbol} ${String(value)}`;
  }
  return String(condition.Variable);
}

/** Lambda's four service-side error names say one thing to an operator: the invoke itself failed. */
function describeRetriedErrors(retriers: AslRetrier[]): string {
  const names = retriers.flatMap((retrier) => retrier.ErrorEquals);
  const readable = names.map((name) => (name.startsWith('Lambda.') ? 'Lambda service errors' : name));
  return [...new Set(readable)].join(', ');
}

/** Mermaid ids must be plain words; the label keeps the real state name. */
function nodeId(scope: string, stateName: string): string {
  return `${scope}${stateName}`.replace(/[^A-Za-z0-9_]/g, '_');
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, "'");
}

function nodeShape(id: string, name: string, state: AslState): string {
  const retries = state.Retry?.length ? ` (retry on ${describeRetriedErrors(state.Retry)})` : '';
  const label = escapeLabel(`${name}${retries}`);
  switch (state.Type) {
    case 'Choice':
      return `${id}{"${label}"}`;
    case 'Succeed':
      return `${id}(["${label}: succeed"])`;
    case 'Fail':
      return `${id}(["${label}: fail ${state.Error ?? ''}"])`;
    case 'Pass':
      return `${id}[/"${label}"/]`;
    case 'Parallel':
    case 'Map':
      return `${id}[["${label}"]]`;
    default:
      return `${id}["${label}"]`;
  }
}

class MermaidWriter {
  readonly lines: string[] = ['flowchart TD'];
  private indent = '  ';

  line(text: string): void {
    this.lines.push(`${this.indent}${text}`);
  }

  /** Writes a machine's states; returns the ids of the states that End it (for joins). */
  machine(machine: AslMachine, scope: string): string[] {
    const ends: string[] = [];
    for (const [name, state] of Object.entries(machine.States)) {
      const id = nodeId(scope, name);
      this.line(nodeShape(id, name, state));
      const target = (next: string): string => nodeId(scope, next);
      const children =
        state.Branches ?? [state.ItemProcessor ?? state.Iterator].filter((m) => m !== undefined);
      // A Parallel or Map continues from its join node, not from the fork.
      if (state.Next && children.length === 0) this.line(`${id} --> ${target(state.Next)}`);
      for (const choice of state.Choices ?? []) {
        this.line(`${id} -- "${escapeLabel(describeCondition(choice))}" --> ${target(choice.Next)}`);
      }
      if (state.Default) this.line(`${id} -- "otherwise" --> ${target(state.Default)}`);
      for (const catcher of state.Catch ?? []) {
        this.line(
          `${id} -. "catch ${escapeLabel(catcher.ErrorEquals.join('|'))}" .-> ${target(catcher.Next)}`,
        );
      }
      if (children.length > 0) this.nested(id, name, state, children, scope);
      if (state.End) ends.push(children.length > 0 ? `${id}_join` : id);
    }
    return ends;
  }

  private nested(id: string, name: string, state: AslState, children: AslMachine[], scope: string): void {
    const joinId = `${id}_join`;
    this.line(
      `subgraph ${id}_branches ["${escapeLabel(name)}: ${state.Type === 'Map' ? 'for each item' : 'in parallel'}"]`,
    );
    this.indent += '  ';
    children.forEach((child, index) => {
      const scope = `${id}_b${index}_`;
      this.line(`${id} --> ${nodeId(scope, child.StartAt)}`);
      for (const end of this.machine(child, scope)) this.line(`${end} --> ${joinId}`);
    });
    this.indent = this.indent.slice(2);
    this.line('end');
    this.line(`${joinId}(("all done"))`);
    if (state.Next) this.line(`${joinId} --> ${nodeId(scope, state.Next)}`);
  }
}

export function aslToMermaid(definition: AslMachine): string {
  const writer = new MermaidWriter();
  writer.line('start((start))');
  writer.line(`start --> ${nodeId('', definition.StartAt)}`);
  writer.machine(definition, '');
  return writer.lines.join('\n');
}
