import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerResources } from '../../../functions/core/cost/apply/container-resources.ts';
import type { WorkloadRef } from '../../../functions/core/cost/recommendation.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import {
  type RightsizingUsage,
  seedRightsizingUsage,
  type UsageAnswers,
} from '../../lakehouse/rightsizing-usage.ts';
import type { SyntheticContainer, SyntheticWorkload } from '../../lakehouse/usage-history.ts';
import { snapshotResources } from './rightsizing-checks.ts';
import type { DrillFixture } from './scenarios.ts';

/**
 * A right-sizing scenario's world: its workloads seeded with days of usage (rightsizing-usage.ts),
 * the cost functions pointed at that Prometheus, and the resources every workload held before the
 * run. The handlers share the drill's process and read PROMETHEUS_URL from its environment at each
 * invocation, so the variable is set for the scenario and put back by repair(); the lakehouse's
 * own Prometheus (remediation's alerts) knows nothing of these workloads' history.
 *
 * Where prometheus or promtool is not installed (or REPLAY_VARIABLE asks for it), the queries are
 * answered from PROMETHEUS_RECORDING, a real run's answers re-anchored to now; RECORD_VARIABLE (or
 * rightsizing-record.ts) makes that recording again.
 */
export interface RightsizingFixture extends DrillFixture {
  readonly usage: RightsizingUsage;
  readonly workloads: readonly SyntheticWorkload[];
  /** Every seeded container, as right-sizing names it. */
  readonly containers: readonly WorkloadRef[];
  /** What each container held before the run, by workloadKey. */
  readonly before: ReadonlyMap<string, ContainerResources>;
  /** Where Prometheus' answers come from, when it is not simply the real one (a recording). */
  readonly answeredBy?: string;
  /** What the drill did during the run (a decision, a fault) and what went wrong doing it. */
  readonly during: { readonly details: string[]; readonly problems: string[] };
}

/** Three daily cycles is the recommender's minimum (minHistoryHours 72); a fourth day clears it. */
export const HISTORY_DAYS = 4;

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/** The committed recording of a real run's answers, replayed where Prometheus is not installed. */
export const PROMETHEUS_RECORDING = 'local/cli/drill/fixtures/rightsizing-prometheus.json';
const RECORDING_FILE = fileURLToPath(new URL('./fixtures/rightsizing-prometheus.json', import.meta.url));

/** Records the handlers' Prometheus answers into this file (relative to the working directory). */
export const RECORD_VARIABLE = 'LAKEHOUSE_OPS_RECORD_PROMETHEUS';
/** `1` replays the recording even where Prometheus is installed. */
export const REPLAY_VARIABLE = 'LAKEHOUSE_OPS_PROMETHEUS_REPLAY';

const HOW_TO_RECORD = `record it again where Prometheus is installed: npx tsx local/cli/drill/rightsizing-record.ts (or ${RECORD_VARIABLE}=${PROMETHEUS_RECORDING} npm run drill)`;
const ABOUT_RECORDING =
  "The right-sizing drill scenarios' Prometheus queries and a real Prometheus' answers, time-relative " +
  '(local/lakehouse/recorded-prometheus.ts); replayed where Prometheus is not installed. Made by ' +
  'npx tsx local/cli/drill/rightsizing-record.ts; docs/cost.md, "The drill".';

/** Where a scenario's queries are answered, and the line the drill says about it. */
export function usageAnswersFor(
  section: string,
  prometheusInstalled: boolean,
  env: Readonly<Record<string, string | undefined>>,
): { answers: UsageAnswers; says?: string } {
  const replayValue = env[REPLAY_VARIABLE] ?? '';
  if (!['', '0', '1', 'false', 'true'].includes(replayValue))
    throw new Error(
      `${REPLAY_VARIABLE} is ${JSON.stringify(replayValue)}: expected 1 or true (or 0, false, unset)`,
    );
  const replayForced = replayValue === '1' || replayValue === 'true';
  const recordTo = env[RECORD_VARIABLE];
  if (recordTo) {
    if (!prometheusInstalled || replayForced)
      throw new Error(
        `${RECORD_VARIABLE} records a real Prometheus' answers: ${replayForced ? `unset ${REPLAY_VARIABLE}` : 'install prometheus and promtool (apt-get install prometheus)'}`,
      );
    return {
      answers: { from: 'prometheus', recordTo: { file: resolve(recordTo), section, about: ABOUT_RECORDING } },
      says: `recording Prometheus' answers into ${recordTo}`,
    };
  }
  if (prometheusInstalled && !replayForced) return { answers: { from: 'prometheus' } };
  const why = replayForced ? `${REPLAY_VARIABLE}=${replayValue}` : 'Prometheus is not installed';
  return {
    answers: { from: 'recording', file: RECORDING_FILE, section, howToRecord: HOW_TO_RECORD },
    says: `${why}: right-sizing runs on recorded query results (${PROMETHEUS_RECORDING})`,
  };
}

export async function seedRightsizingFixture(
  lakehouse: LocalLakehouse,
  scenario: string,
  workloads: readonly SyntheticWorkload[],
): Promise<RightsizingFixture> {
  const { answers, says } = usageAnswersFor(scenario, lakehouse.capabilities.usageHistory, process.env);
  const usage = await seedRightsizingUsage(lakehouse, { workloads, days: HISTORY_DAYS, answers });
  const previous = process.env.PROMETHEUS_URL;
  process.env.PROMETHEUS_URL = usage.prometheusUrl;
  const containers = workloads.flatMap((workload) =>
    workload.containers.map((container) => ({
      namespace: workload.namespace,
      kind: workload.kind,
      name: workload.name,
      container: container.name,
    })),
  );
  return {
    usage,
    workloads,
    containers,
    before: snapshotResources(lakehouse.kube, containers),
    ...(says ? { answeredBy: says } : {}),
    during: { details: [], problems: [] },
    repair: async () => {
      if (previous === undefined) delete process.env.PROMETHEUS_URL;
      else process.env.PROMETHEUS_URL = previous;
      await usage.remove();
    },
  };
}

/** A container whose usage is steady around `cpuCores` and `memoryBytes`, asking for `current`. */
export function steadyContainer(
  current: SyntheticContainer['current'],
  usage: { cpuCores: number; memoryBytes: number },
  overrides: { name?: string; cpu?: Partial<SyntheticContainer['cpu']> } = {},
): SyntheticContainer {
  return {
    name: overrides.name ?? 'main',
    current,
    cpu: {
      baseCores: usage.cpuCores,
      diurnalAmplitude: 0.3,
      noise: 0.1,
      spikeChance: 0,
      spikeFactor: 1,
      ...overrides.cpu,
    },
    memory: {
      baseBytes: usage.memoryBytes,
      diurnalAmplitude: 0.03,
      noise: 0.01,
      growthPerDay: 0,
      spikeChance: 0,
      spikeFactor: 1,
    },
  };
}
