import type { Duration } from 'aws-cdk-lib';
import {
  type AslGraph,
  type AslState,
  isLoop,
  stronglyConnectedComponents,
  successorsIn,
} from './state-graph.ts';

/**
 * The worst-case duration of a state machine, from its rendered ASL: the longest path from StartAt
 * to an end, each state counted at its worst (every attempt at its timeout, every backoff at its
 * cap). Whatever the definition alone cannot bound (a loop, an input-dependent wait, a Map's item
 * count) must be declared in WorstCaseBounds; anything left unbounded refuses the whole answer.
 */

/** Every declared bound says where it comes from: the reason is shown in the breakdown. */
interface Declared {
  readonly reason: string;
}

/**
 * How a loop (a cycle of states, e.g. Wait -> check Task -> Choice -> Wait) ends, declared under
 * the name of any one of its states. The loop costs rounds x (deadline + one pass over all its
 * states): the pass in flight when the deadline passes still finishes.
 */
export interface LoopBound extends Declared {
  /** The deadline the loop's Task enforces, counted from the loop's entry. */
  readonly deadline?: Duration;
  /** How many times the loop may go round (with a deadline: each round polls until its own). */
  readonly rounds?: number;
}

/** A time the input decides: Wait SecondsPath/TimestampPath/Timestamp, Task TimeoutSecondsPath. */
export interface InputTimeBound extends Declared {
  readonly atMost: Duration;
}

export interface MapBound extends Declared {
  /** The most item-processor runs: items, or batches with an ItemBatcher. */
  readonly maxIterations: number;
  /** The parallelism the worst case may count on, only where MaxConcurrency is unlimited (0). */
  readonly concurrency?: number;
}

/** A nested execution (states:startExecution.sync): the child's worst case or its own timeout. */
export interface ChildExecutionBound extends Declared {
  readonly atMost: Duration;
}

/** A workflow's declared bounds, each keyed by state name. */
export interface WorstCaseBounds {
  readonly loops?: Readonly<Record<string, LoopBound>>;
  readonly inputTimes?: Readonly<Record<string, InputTimeBound>>;
  readonly maps?: Readonly<Record<string, MapBound>>;
  readonly childExecutions?: Readonly<Record<string, ChildExecutionBound>>;
}

export interface WorstCaseStep {
  /** The state; for a loop, the state its bound is declared under. */
  readonly state: string;
  /** The state's Type, or 'Loop'. */
  readonly kind: string;
  readonly seconds: number;
  /** How the seconds were counted. */
  readonly detail: string;
  /** The critical path inside: a Parallel's worst branch, a Map's item, a loop's states. */
  readonly within?: readonly WorstCaseStep[];
}

export interface WorstCase {
  readonly totalSeconds: number;
  /** The states of the longest path from StartAt, in order. */
  readonly criticalPath: readonly WorstCaseStep[];
  /** The state machine's own TimeoutSeconds: past it the execution ends TIMED_OUT. */
  readonly machineTimeoutSeconds?: number;
}

export class WorstCaseUnboundedError extends Error {
  override readonly name = 'WorstCaseUnboundedError';
  constructor(readonly problems: readonly string[]) {
    super(`the worst-case duration has no bound:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };

export function worstCaseDuration(
  definition: AslGraph & { readonly TimeoutSeconds?: unknown },
  bounds: WorstCaseBounds = {},
): WorstCase {
  const analysis = new Analysis(bounds);
  const path = analysis.longestPath(definition);
  analysis.refuseUnusedDeclarations(definition);
  if (analysis.problems.length > 0) throw new WorstCaseUnboundedError(analysis.problems);
  return {
    totalSeconds: path.seconds,
    criticalPath: path.steps,
    machineTimeoutSeconds:
      typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined,
  };
}

/** The steps of the critical path that take longest, longest first (a loop or a Parallel counts as one). */
export function topContributors(worstCase: WorstCase, count = 3): WorstCaseStep[] {
  return [...worstCase.criticalPath]
    .filter((step) => step.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, count);
}

/** "1 h 2 min 3.5 s": budgets are read by people. */
export function formatSeconds(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = Math.round((seconds % 60) * 10) / 10;
  const parts = [hours && `${hours} h`, minutes && `${minutes} min`, (rest || seconds === 0) && `${rest} s`];
  return parts.filter(Boolean).join(' ');
}

interface PathCost {
  readonly seconds: number;
  readonly steps: WorstCaseStep[];
}

type BoundKind = keyof WorstCaseBounds;

class Analysis {
  readonly problems: string[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly bounds: WorstCaseBounds) {}

  /** The longest path through one graph; its loops collapse into one step each. */
  longestPath(graph: AslGraph): PathCost {
    const components = stronglyConnectedComponents(graph);
    const componentOf = new Map<string, number>();
    components.forEach((members, index) => {
      for (const member of members) componentOf.set(member, index);
    });
    const memo = new Map<number, PathCost>();
    const fromComponent = (index: number): PathCost => {
      const known = memo.get(index);
      if (known) return known;
      const members = components[index]!;
      const step = isLoop(graph, members)
        ? this.loopStep(graph, members)
        : this.stateStep(members[0]!, graph.States[members[0]!]!);
      const exits = new Set(
        members.flatMap((member) => successorsIn(graph, member).map((next) => componentOf.get(next)!)),
      );
      exits.delete(index);
      let worstNext: PathCost = { seconds: 0, steps: [] };
      for (const exit of exits) {
        const next = fromComponent(exit);
        if (next.seconds > worstNext.seconds || worstNext.steps.length === 0) worstNext = next;
      }
      const cost = { seconds: step.seconds + worstNext.seconds, steps: [step, ...worstNext.steps] };
      memo.set(index, cost);
      return cost;
    };
    if (!(graph.StartAt in graph.States)) throw new Error(`StartAt "${graph.StartAt}" names no state`);
    return fromComponent(componentOf.get(graph.StartAt)!);
  }

  private loopStep(graph: AslGraph, members: string[]): WorstCaseStep {
    const within = members.map((member) => this.stateStep(member, graph.States[member]!));
    const pass = sum(within.map((step) => step.seconds));
    const declaredUnder = members.filter((member) => this.bounds.loops?.[member]);
    const [name] = declaredUnder;
    const states = members.join(', ');
    for (const member of declaredUnder) this.used.add(`loops.${member}`);
    if (name === undefined || declaredUnder.length > 1) {
      const anchor = members.find((member) => graph.States[member]!.Type === 'Wait') ?? members[0]!;
      this.problems.push(
        name === undefined
          ? `the loop through ${states} has no declared bound: declare loops: { ${anchor}: { deadline: <the deadline its Task checks>, reason: '...' } } (or rounds: <most rounds>)`
          : `the loop through ${states} has bounds declared under ${declaredUnder.join(' and ')}: keep one`,
      );
      return { state: anchor, kind: 'Loop', seconds: 0, detail: `unbounded loop of ${states}`, within };
    }
    const bound = this.bounds.loops![name]!;
    const deadline = bound.deadline?.toSeconds() ?? 0;
    const rounds = bound.rounds ?? 1;
    if (bound.deadline === undefined && bound.rounds === undefined) {
      this.problems.push(`loops.${name}: give a deadline, rounds, or both`);
    }
    if (!Number.isInteger(rounds) || rounds < 1) {
      this.problems.push(`loops.${name}.rounds is ${rounds}: expected a whole number >= 1`);
    }
    const round = bound.deadline ? `${formatSeconds(deadline)} deadline + one pass` : 'one pass';
    const count = rounds > 1 ? `${rounds} rounds x ${bound.deadline ? `(${round})` : round}` : round;
    return {
      state: name,
      kind: 'Loop',
      seconds: rounds * (deadline + pass),
      detail: `loop of ${states}: ${count} of ${formatSeconds(pass)} (${bound.reason})`,
      within,
    };
  }

  private stateStep(name: string, state: AslState): WorstCaseStep {
    switch (state.Type) {
      case 'Task':
        return this.withRetries(name, state, this.taskAttempt(name, state));
      case 'Parallel':
        return this.withRetries(name, state, this.parallelAttempt(state));
      case 'Map':
        return this.withRetries(name, state, this.mapAttempt(name, state));
      case 'Wait':
        return { state: name, kind: 'Wait', ...this.waitTime(name, state) };
      case 'Pass':
      case 'Choice':
      case 'Succeed':
      case 'Fail':
        return { state: name, kind: state.Type, seconds: 0, detail: 'no waiting' };
      default:
        throw new Error(`state "${name}" has Type ${state.Type}: expected an Amazon States Language type`);
    }
  }

  private taskAttempt(name: string, state: AslState): Attempt {
    const resource = String(state.Resource ?? '');
    const limits: Attempt[] = [];
    if (typeof state.TimeoutSeconds === 'number') {
      limits.push({ seconds: state.TimeoutSeconds, detail: `TimeoutSeconds ${state.TimeoutSeconds}` });
    } else if (state.TimeoutSeconds !== undefined || state.TimeoutSecondsPath !== undefined) {
      const declared = this.declared('inputTimes', name);
      if (!declared) {
        this.problems.push(
          `Task "${name}" takes its timeout from the input: declare inputTimes: { ${name}: { atMost: <longest timeout>, reason: '...' } }`,
        );
        return UNBOUNDED;
      }
      limits.push(declaredAttempt('timeout', declared));
    }
    const child = isNestedExecution(resource) ? this.declared('childExecutions', name) : undefined;
    if (child) limits.push(declaredAttempt('nested execution', child));
    const [shortest] = limits.sort((a, b) => a.seconds - b.seconds);
    if (shortest) return shortest;
    this.problems.push(taskWithoutTimeout(name, state, resource));
    return UNBOUNDED;
  }

  private parallelAttempt(state: AslState): Attempt {
    const branches = ((state.Branches as AslGraph[] | undefined) ?? []).map((branch) =>
      this.longestPath(branch),
    );
    const worst = branches.reduce<PathCost | undefined>(
      (longest, branch) => (!longest || branch.seconds > longest.seconds ? branch : longest),
      undefined,
    );
    return {
      seconds: worst?.seconds ?? 0,
      detail: `worst of ${branches.length} branches, starting ${worst?.steps[0]?.state ?? 'nowhere'}`,
      within: worst?.steps,
    };
  }

  private mapAttempt(name: string, state: AslState): Attempt {
    const processor = (state.ItemProcessor ?? state.Iterator) as AslGraph | undefined;
    if (!processor) throw new Error(`Map "${name}" has no ItemProcessor`);
    const item = this.longestPath(processor);
    const bound = this.declared('maps', name);
    if (!bound) {
      this.problems.push(
        `Map "${name}" runs once per item, and the input decides how many: declare maps: { ${name}: { maxIterations: <most items or batches>, reason: '...' } }`,
      );
      return { ...UNBOUNDED, within: item.steps };
    }
    const limit =
      typeof state.MaxConcurrency === 'number' && state.MaxConcurrency > 0 ? state.MaxConcurrency : undefined;
    if (limit !== undefined && bound.concurrency !== undefined) {
      this.problems.push(
        `maps.${name}.concurrency is declared, but "${name}" has MaxConcurrency ${limit}: remove the declared one`,
      );
    }
    const concurrency = limit ?? bound.concurrency;
    if (concurrency === undefined) {
      this.problems.push(
        `Map "${name}" has no MaxConcurrency, so nothing says how many items run at once: set MaxConcurrency or declare maps.${name}.concurrency`,
      );
      return { ...UNBOUNDED, within: item.steps };
    }
    for (const [field, value] of [
      ['maxIterations', bound.maxIterations],
      ['concurrency', concurrency],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        this.problems.push(`maps.${name}.${field} is ${value}: expected a whole number >= 1`);
    }
    const rounds = Math.ceil(bound.maxIterations / concurrency);
    return {
      seconds: rounds * item.seconds,
      detail: `${bound.maxIterations} iterations, ${concurrency} at a time: ${rounds} x ${formatSeconds(item.seconds)} per item (${bound.reason})`,
      within: item.steps,
    };
  }

  private waitTime(name: string, state: AslState): Attempt {
    if (typeof state.Seconds === 'number')
      return { seconds: state.Seconds, detail: `Seconds ${state.Seconds}` };
    const declared = this.declared('inputTimes', name);
    if (declared) return declaredAttempt('wait', declared);
    const source = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].find(
      (field) => state[field] !== undefined,
    );
    this.problems.push(
      `Wait "${name}" waits for ${source ?? 'an unknown time'}, which the input decides: declare inputTimes: { ${name}: { atMost: <longest wait>, reason: '...' } }`,
    );
    return UNBOUNDED;
  }

  /**
   * Every attempt at its longest, plus every backoff at its cap (FULL jitter only shortens it).
   * Each retrier counts its own attempts, so a state failing with errors of several retriers in
   * turn goes through all of them: the worst case is their sum.
   */
  private withRetries(name: string, state: AslState, attempt: Attempt): WorstCaseStep {
    const retriers = (state.Retry as Record<string, unknown>[] | undefined) ?? [];
    let retries = 0;
    let backoff = 0;
    for (const retrier of retriers) {
      const { IntervalSeconds, MaxAttempts, BackoffRate } = {
        ...RETRY_DEFAULTS,
        ...retrier,
      } as typeof RETRY_DEFAULTS;
      const cap =
        typeof retrier.MaxDelaySeconds === 'number' ? retrier.MaxDelaySeconds : Number.POSITIVE_INFINITY;
      retries += MaxAttempts;
      for (let n = 0; n < MaxAttempts; n++) backoff += Math.min(IntervalSeconds * BackoffRate ** n, cap);
    }
    const attempts = retries + 1;
    return {
      state: name,
      kind: state.Type,
      seconds: attempts * attempt.seconds + backoff,
      detail:
        retries === 0
          ? attempt.detail
          : `${attempts} attempts x ${attempt.detail} + ${formatSeconds(backoff)} backoff`,
      within: attempt.within,
    };
  }

  private declared<Kind extends BoundKind>(kind: Kind, name: string) {
    const bound = this.bounds[kind]?.[name] as NonNullable<WorstCaseBounds[Kind]>[string] | undefined;
    if (bound) this.used.add(`${kind}.${name}`);
    return bound;
  }

  /** A declaration nothing used is stale (a renamed state) or wrong: it must not pass silently. */
  refuseUnusedDeclarations(definition: AslGraph): void {
    const names = new Set(allStateNames(definition));
    for (const kind of ['loops', 'inputTimes', 'maps', 'childExecutions'] as const) {
      for (const name of Object.keys(this.bounds[kind] ?? {})) {
        if (this.used.has(`${kind}.${name}`)) continue;
        this.problems.push(
          names.has(name)
            ? `${kind}.${name} is declared, but "${name}" ${UNUSED_BECAUSE[kind]}: remove the declaration`
            : `${kind}.${name} is declared, but the workflow has no state "${name}"`,
        );
      }
    }
  }
}

const UNUSED_BECAUSE: Record<BoundKind, string> = {
  loops: 'is in no loop on a path from StartAt',
  inputTimes: 'takes no time from its input',
  maps: 'is no Map',
  childExecutions: 'is no startExecution.sync Task',
};

interface Attempt {
  readonly seconds: number;
  readonly detail: string;
  readonly within?: readonly WorstCaseStep[];
}

const UNBOUNDED: Attempt = { seconds: 0, detail: 'unbounded' };

function declaredAttempt(what: string, bound: InputTimeBound | ChildExecutionBound): Attempt {
  const seconds = bound.atMost.toSeconds();
  return { seconds, detail: `${what} at most ${formatSeconds(seconds)} (${bound.reason})` };
}

function isNestedExecution(resource: string): boolean {
  return /:states:startExecution\.sync/.test(resource);
}

function taskWithoutTimeout(name: string, state: AslState, resource: string): string {
  if (resource.endsWith('.waitForTaskToken')) {
    const heartbeat =
      state.HeartbeatSeconds === undefined
        ? ''
        : ' (HeartbeatSeconds alone does not end it: heartbeats can go on)';
    return `Task "${name}" waits for a task token with no TimeoutSeconds${heartbeat}: give it one (CDK: taskTimeout: Timeout.duration(...))`;
  }
  if (isNestedExecution(resource)) {
    return `Task "${name}" runs a nested execution with no TimeoutSeconds: give it one, or declare childExecutions: { ${name}: { atMost: <the child's worst case or its state machine timeout>, reason: '...' } }`;
  }
  return `Task "${name}" has no TimeoutSeconds, so nothing bounds it: give it one (CDK: taskTimeout: Timeout.duration(...); for a Lambda task at least the function's timeout)`;
}

function* allStateNames(graph: AslGraph): Generator<string> {
  for (const [name, state] of Object.entries(graph.States)) {
    yield name;
    for (const branch of (state.Branches as AslGraph[] | undefined) ?? []) yield* allStateNames(branch);
    const processor = (state.ItemProcessor ?? state.Iterator) as AslGraph | undefined;
    if (processor) yield* allStateNames(processor);
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
