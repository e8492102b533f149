import type { LocalLakehouse } from '../../lakehouse/index.ts';
import type { LocalReplication } from '../../runner/replication.ts';
import {
  DR_FAILBACK,
  DR_FAILOVER,
  DRILL_REQUESTER,
  drSideOf,
  type FailoverDrillOutcome,
  failoverDrillDetails,
  prepareFailoverGates,
  runFailoverDrill,
} from './dr-drill.ts';
import {
  type PrimarySnapshot,
  refusedFailoverProblems,
  replayStaleEvent,
  snapshotPrimary,
  staleEventAge,
} from './dr-refusal.ts';
import {
  type DrillFixture,
  type DrillRunContext,
  type DrillScenario,
  scenarioWithFixture,
} from './scenarios.ts';

/**
 * The drill's disaster-recovery scenarios (issue 5, docs/dr.md "The drill's DR scenarios"), run
 * after the backup, verify-backup and restore scenarios, with the DR side and replication running:
 * 1. a failover refused because replication lags (nothing may change), then undone;
 * 2. the primary lost -> dr-failover -> validated DR side -> the primary back -> dr-failback to a
 *    zero diff, every object checked by SHA-256 (dr-drill.ts).
 */
/** The gates need a verified backup (a pg_dump Job), and the failover restores the dump in the DR cluster. */
const DR_REQUIRES: DrillScenario['requires'] = ['postgres'];

function replicationOf(context: { readonly replication?: LocalReplication }): LocalReplication {
  if (!context.replication)
    throw new Error('the DR scenarios need the drill to run replication (startLocalReplication)');
  return context.replication;
}

interface RefusalFixture extends DrillFixture {
  problems: string[];
  before?: PrimarySnapshot;
  resume?: () => Promise<void>;
}

export const FAILOVER_REFUSED_SCENARIO: DrillScenario = scenarioWithFixture<RefusalFixture>({
  id: 'dr-failover-refused-replication-lag',
  title: 'dr-failover refused: replication lags beyond the RPO',
  workflow: DR_FAILOVER,
  requires: DR_REQUIRES,
  input: {},
  inject: async (lakehouse: LocalLakehouse) => {
    drSideOf(lakehouse);
    const fixture: RefusalFixture = {
      problems: [],
      // The consumer catches up: the replayed event is replicated and no longer pending.
      async repair() {
        await fixture.resume?.();
      },
    };
    return fixture;
  },
  run: async (context, fixture) => {
    fixture.problems.push(...(await prepareFailoverGates(context)));
    const replication = replicationOf(context);
    fixture.before = snapshotPrimary(context.lakehouse);
    const resume = await replication.pauseConsumers();
    fixture.resume = async () => {
      await resume();
      await replication.idle();
    };
    await replayStaleEvent(context.lakehouse, staleEventAge(context.workflows.environment));
    return context.workflows.runWorkflow(DR_FAILOVER, {
      mode: 'drill',
      reason: 'drill: replication lags beyond the RPO',
      requestedBy: DRILL_REQUESTER,
    });
  },
  evaluate: async (result, context, fixture) => {
    const problems = [...fixture.problems];
    if (fixture.before) problems.push(...(await refusedFailoverProblems(result, context, fixture.before)));
    // A refused failover stops before its report: the execution's FAILED and the timeline say it all.
    return { passed: problems.length === 0, problems };
  },
});

interface FailoverDrillFixture extends DrillFixture {
  outcome?: FailoverDrillOutcome;
  problems: string[];
}

export const FAILOVER_AND_FAILBACK_SCENARIO: DrillScenario = scenarioWithFixture<FailoverDrillFixture>({
  id: 'dr-failover-and-failback',
  title: 'Primary lost: dr-failover to a validated DR side, then dr-failback with zero diff',
  workflow: DR_FAILOVER,
  alsoRuns: [DR_FAILBACK],
  requires: DR_REQUIRES,
  input: {},
  inject: async (lakehouse: LocalLakehouse) => {
    const dr = drSideOf(lakehouse);
    return {
      problems: [],
      // Whatever happened, the next scenario finds the primary region up.
      repair: async () => (dr.primaryOnline ? undefined : dr.restorePrimary()),
    };
  },
  run: async (context, fixture) => {
    fixture.problems.push(...(await prepareFailoverGates(context)));
    const outcome = await runFailoverDrill({ ...context, replication: replicationOf(context) });
    fixture.outcome = outcome;
    return outcome.failover;
  },
  evaluate: (_result, _context: DrillRunContext, fixture) => {
    const problems = [...fixture.problems, ...(fixture.outcome?.problems ?? [])];
    return {
      passed: problems.length === 0,
      problems,
      reportStatus: fixture.outcome?.failoverReport?.outcome,
      details: fixture.outcome ? failoverDrillDetails(fixture.outcome) : [],
    };
  },
});

export const DR_DRILL_SCENARIOS: readonly DrillScenario[] = [
  FAILOVER_REFUSED_SCENARIO,
  FAILOVER_AND_FAILBACK_SCENARIO,
];
