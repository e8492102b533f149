import { randomBytes } from 'node:crypto';
import type { CheckResult } from './check-result.ts';
import { round1 } from './measurements.ts';
import { type FlowRunStateType, type PrefectApi, TERMINAL_STATE_TYPES } from './prefect-api.ts';
import { type CheckVerdict, runCheck, verdictFrom } from './run-check.ts';

export interface FlowRunBurstDependencies {
  prefect: PrefectApi;
  /** `<flow name>/<deployment name>`: a deployment whose flow does nothing, kept for this check. */
  deployment: string;
  /** How many flow runs are created at once. */
  count: number;
  /** Every run must have COMPLETED this many seconds after the burst started. */
  maxSeconds: number;
  /** Between two reads of the runs' states (default 500 ms): the resolution of the measured time. */
  pollIntervalMs?: number;
  /** Monotonic milliseconds and a sleep; injectable for tests. */
  clock?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

/** Tags on every run of a burst, so an operator can find (and the UI can hide) them. */
export const BURST_TAGS = ['lakehouse-ops', 'validate-platform-burst'];

const DEFAULT_POLL_INTERVAL_MS = 500;
const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** `flow/deployment` -> its two names; anything else is a configuration mistake. */
export function parseDeploymentReference(reference: string): { flowName: string; deploymentName: string } {
  const match = /^([^/]+)\/([^/]+)$/.exec(reference);
  if (!match) throw new RangeError(`expected "<flow name>/<deployment name>", got "${reference}"`);
  return { flowName: match[1] as string, deploymentName: match[2] as string };
}

/**
 * Creates `count` flow runs of the deployment at once, through the Prefect API, and waits until
 * every one is in a terminal state. PASSED when all COMPLETED within `maxSeconds`: the API took
 * the burst, the workers picked every run up and ran it. Runs still unfinished at the deadline are
 * cancelled, so a stuck work pool is not left with a queue of test runs.
 */
export function checkFlowRunBurst(deps: FlowRunBurstDependencies): Promise<CheckResult> {
  return runCheck('flow-run-burst', () => runBurst(deps));
}

async function runBurst({
  prefect,
  deployment: reference,
  count,
  maxSeconds,
  pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
  clock = () => performance.now(),
  sleep = defaultSleep,
}: FlowRunBurstDependencies): Promise<CheckVerdict> {
  const { flowName, deploymentName } = parseDeploymentReference(reference);
  const deployment = await prefect.readDeploymentByName(flowName, deploymentName);
  if (!deployment) {
    return verdictFrom(
      [`Prefect deployment ${reference} not found; the burst needs it registered (a flow that does nothing)`],
      '',
      { deployment: reference, found: false },
    );
  }

  const burst = randomBytes(4).toString('hex');
  const started = clock();
  const created = await Promise.allSettled(
    Array.from({ length: count }, (_, index) =>
      prefect.createFlowRun(deployment.id, { name: `burst-${burst}-${index + 1}`, tags: BURST_TAGS }),
    ),
  );
  const createFailures = created.flatMap((outcome) =>
    outcome.status === 'rejected' ? [(outcome.reason as Error).message] : [],
  );
  const states = new Map<string, FlowRunStateType | null>(
    created.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [[outcome.value.id, outcome.value.state_type] as const] : [],
    ),
  );
  if (states.size === 0) {
    const first = created[0];
    throw first?.status === 'rejected' ? first.reason : new RangeError('a burst needs at least one flow run');
  }
  const createMs = Math.round(clock() - started);

  const deadline = started + maxSeconds * 1000;
  const unfinished = () => [...states].filter(([, state]) => !state || !TERMINAL_STATE_TYPES.has(state));
  let finishedAt: number | undefined;
  for (;;) {
    for (const run of await prefect.readFlowRuns([...states.keys()])) states.set(run.id, run.state_type);
    if (unfinished().length === 0) {
      finishedAt = clock();
      break;
    }
    if (clock() >= deadline) break;
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - clock())));
  }

  const cancelled = finishedAt === undefined ? await cancelUnfinished(prefect, unfinished()) : [];
  const stateCounts: Record<string, number> = {};
  for (const state of states.values()) stateCounts[state ?? 'NONE'] = (stateCounts[state ?? 'NONE'] ?? 0) + 1;
  const completed = stateCounts.COMPLETED ?? 0;
  const elapsedSeconds = finishedAt === undefined ? undefined : round1((finishedAt - started) / 1000);

  const problems: string[] = [];
  if (createFailures.length > 0) {
    problems.push(
      `${createFailures.length} of ${count} flow runs could not be created; first: ${createFailures[0]}`,
    );
  }
  if (finishedAt === undefined) {
    problems.push(
      `${unfinished().length} of ${states.size} flow runs had not finished after ${maxSeconds} s (the threshold); they were cancelled`,
    );
  }
  const notCompleted = states.size - completed - (finishedAt === undefined ? unfinished().length : 0);
  if (notCompleted > 0)
    problems.push(`${notCompleted} flow runs ended without completing: ${describe(stateCounts)}`);

  return verdictFrom(
    problems,
    `${count} concurrent flow runs of ${reference} completed in ${elapsedSeconds} s (threshold ${maxSeconds} s)`,
    {
      deployment: reference,
      burst,
      count,
      created: states.size,
      completed,
      stateCounts,
      createMs,
      ...(elapsedSeconds === undefined ? {} : { elapsedSeconds }),
      thresholdSeconds: maxSeconds,
      ...(cancelled.length > 0 ? { cancelled } : {}),
    },
  );
}

/**
 * Forces unfinished runs to CANCELLED (not yet started) or CANCELLING (running: the worker stops
 * the process). Best effort: a run that cannot be cancelled is reported, not thrown.
 */
async function cancelUnfinished(
  prefect: PrefectApi,
  runs: readonly (readonly [string, FlowRunStateType | null])[],
): Promise<string[]> {
  const outcomes = await Promise.allSettled(
    runs.map(([id, state]) =>
      prefect.setFlowRunState(
        id,
        state === 'RUNNING' ? 'CANCELLING' : 'CANCELLED',
        'cancelled by validate-platform: the flow-run burst exceeded its threshold',
      ),
    ),
  );
  return runs.map(([id], index) =>
    outcomes[index]?.status === 'fulfilled'
      ? id
      : `${id} (cancel failed: ${((outcomes[index] as PromiseRejectedResult).reason as Error).message})`,
  );
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([state]) => state !== 'COMPLETED')
    .map(([state, number]) => `${number} ${state}`)
    .join(', ');
}
