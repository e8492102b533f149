/**
 * The local DR drill's RTO and RPO, step by step (issue 5): the drill's "primary lost -> failover
 * -> validated DR -> primary back -> failback with zero diff" scenario (local/cli/drill/dr-drill.ts)
 * run BENCH_ROUNDS times in one local lakehouse with its DR side and replication running. Each
 * round records the failover report's RTO (declaration to green validation) and RPO, every step's
 * duration and its time since the declaration (from the failover journal, through the report),
 * the failback's duration and steps, and the objects lost (written before the loss, or on the DR
 * side, and not back in MinIO byte for byte).
 *
 *   npm run bench:dr-drill   # about a minute a round; writes bench/results/dr-failover-drill.json
 *
 * Environment: BENCH_ROUNDS (default 3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DrillFailbackReport,
  type DrillFailoverReport,
  type FailoverDrillOutcome,
  prepareFailoverGates,
  runFailoverDrill,
} from '../../local/cli/drill/dr-drill.ts';
import { startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { startLocalReplication } from '../../local/runner/replication.ts';
import { loadWorkflows } from '../../local/runner/workflows.ts';

const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const TARGETS = { rtoSeconds: 30 * 60, rpoSeconds: 5 * 60, objectsLost: 0 };
const RESULTS_FILE = fileURLToPath(new URL('../results/dr-failover-drill.json', import.meta.url));

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return value;
}

interface RoundResult {
  readonly round: number;
  readonly wallSeconds: number;
  readonly failoverId?: string;
  readonly rto?: DrillFailoverReport['rto'];
  readonly rpo?: DrillFailoverReport['rpo'];
  readonly failoverSteps: DrillFailoverReport['stepTimings'];
  readonly failbackSeconds: number | null;
  readonly failbackSteps: DrillFailbackReport['timings'];
  readonly objectsChecked: number;
  readonly objectsLost: readonly string[];
  readonly problems: readonly string[];
}

function roundResult(round: number, wallSeconds: number, outcome: FailoverDrillOutcome): RoundResult {
  const report = outcome.failoverReport;
  return {
    round,
    wallSeconds,
    ...(report ? { failoverId: report.failoverId, rto: report.rto, rpo: report.rpo } : {}),
    failoverSteps: report?.stepTimings ?? [],
    failbackSeconds: outcome.failbackReport?.durationSeconds ?? null,
    failbackSteps: outcome.failbackReport?.timings ?? [],
    objectsChecked: outcome.written.length,
    objectsLost: outcome.objectsLost,
    problems: outcome.problems,
  };
}

/** Per step: the median and the largest duration over the rounds. */
function stepSummary(
  rounds: readonly RoundResult[],
  stepsOf: (round: RoundResult) => RoundResult['failoverSteps'],
) {
  const steps = new Map<string, number[]>();
  for (const round of rounds) {
    for (const step of stepsOf(round)) {
      if (step.durationSeconds === undefined) continue;
      steps.set(step.step, [...(steps.get(step.step) ?? []), step.durationSeconds]);
    }
  }
  return [...steps].map(([step, seconds]) => ({
    step,
    medianSeconds: median(seconds),
    maxSeconds: Math.max(...seconds),
  }));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const lakehouse = await startLocalLakehouse({ drSide: true, replication: true });
  try {
    const workflows = await loadWorkflows({
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
      // The DR control plane reaches the primary's agents through Lambda Invoke (docs/dr.md).
      lambdaService: lakehouse.awsSim.lambda,
    });
    const replication = await startLocalReplication({ workflows, webhook: lakehouse.replicationWebhook });
    try {
      const preparation = await prepareFailoverGates({ lakehouse, workflows });
      if (preparation.length > 0) throw new Error(`cannot run the drill: ${preparation.join('; ')}`);
      const rounds: RoundResult[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const started = Date.now();
        const outcome = await runFailoverDrill({ lakehouse, workflows, replication }, round);
        rounds.push(roundResult(round, (Date.now() - started) / 1000, outcome));
        const last = rounds.at(-1) as RoundResult;
        console.log(
          `round ${round}: RTO ${last.rto?.seconds ?? '-'} s, RPO ${last.rpo?.seconds ?? '-'} s, failback ${last.failbackSeconds ?? '-'} s, ${last.objectsLost.length} lost, ${last.problems.length} problems`,
        );
        for (const problem of last.problems) console.log(`  - ${problem}`);
      }
      const rtos = rounds.flatMap((round) => (round.rto?.seconds == null ? [] : [round.rto.seconds]));
      const rpos = rounds.flatMap((round) => (round.rpo?.seconds == null ? [] : [round.rpo.seconds]));
      const summary = {
        benchmark: 'dr-failover-drill',
        recordedAt: new Date().toISOString(),
        machine: {
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          loadAverageBefore: loadBefore.map((value) => Number(value.toFixed(2))),
          loadAverageAfter: loadavg().map((value) => Number(value.toFixed(2))),
        },
        targets: TARGETS,
        rounds: rounds.length,
        rtoSeconds: { median: median(rtos), max: Math.max(...rtos) },
        rpoSeconds: { median: median(rpos), max: Math.max(...rpos) },
        objectsLost: rounds.reduce((sum, round) => sum + round.objectsLost.length, 0),
        targetsMet:
          rtos.length === rounds.length &&
          Math.max(...rtos) <= TARGETS.rtoSeconds &&
          Math.max(...rpos) <= TARGETS.rpoSeconds &&
          rounds.every((round) => round.objectsLost.length === 0),
        failoverSteps: stepSummary(rounds, (round) => round.failoverSteps),
        failbackSteps: stepSummary(rounds, (round) => round.failbackSteps),
        perRound: rounds,
      };
      mkdirSync(dirname(RESULTS_FILE), { recursive: true });
      writeFileSync(RESULTS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
      console.log(JSON.stringify({ ...summary, perRound: undefined }, null, 2));
    } finally {
      await replication.stop();
    }
  } finally {
    await lakehouse.stop();
  }
}

await main();
