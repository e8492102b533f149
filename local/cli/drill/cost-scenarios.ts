import type { KubeSim } from '../../kube-sim/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { describeExecution } from './execution-document.ts';
import { RIGHTSIZING_DRILL_SCENARIOS } from './rightsizing-scenarios.ts';
import type { DrillScenario, ScenarioVerdict } from './scenarios.ts';

/**
 * The drill's cost scenarios (issue 6). A night of off-hours: the seeded lakehouse is put to sleep
 * (workers and transfers scaled to zero, CronJobs suspended, the compute pool emptied) and woken
 * early with the workflow `lakehouse-ops wake` starts; afterwards every replica count and suspend
 * flag must be what it was, and the stateful tier must never have moved. Then right-sizing on seeded
 * usage and its rollback after OOM kills (rightsizing-scenarios.ts).
 */
export const OFF_HOURS_WORKFLOW = 'off-hours';
const DRILL_REQUEST = { requestedBy: 'lakehouse-ops-drill' };

/** `<kind> <namespace>/<name>` -> replicas (workloads) or `suspended` / `active` (CronJobs). */
type ClusterState = Map<string, string>;

function clusterState(kube: KubeSim): ClusterState {
  const state: ClusterState = new Map();
  for (const kind of ['Deployment', 'StatefulSet'] as const) {
    for (const object of kube.list('apps/v1', kind)) {
      const replicas = (object as { spec?: { replicas?: number } }).spec?.replicas ?? 1;
      state.set(`${kind} ${object.metadata.namespace}/${object.metadata.name}`, String(replicas));
    }
  }
  for (const object of kube.list('batch/v1', 'CronJob')) {
    const suspended = (object as { spec?: { suspend?: boolean } }).spec?.suspend === true;
    state.set(
      `CronJob ${object.metadata.namespace}/${object.metadata.name}`,
      suspended ? 'suspended' : 'active',
    );
  }
  return state;
}

function differences(expected: ClusterState, actual: ClusterState): string[] {
  return [...expected].flatMap(([object, value]) =>
    actual.get(object) === value ? [] : [`${object}: ${actual.get(object) ?? 'missing'}, expected ${value}`],
  );
}

interface Night {
  before: ClusterState;
  asleep: ClusterState;
  after: ClusterState;
  sleep: ExecutionResult;
}

function offHoursNight(): DrillScenario {
  let night: Night | undefined;
  return {
    id: 'off-hours-night',
    title: 'Off-hours: a night of scale-down, then an early wake-up that restores every replica count',
    workflow: OFF_HOURS_WORKFLOW,
    input: { action: 'wake', ...DRILL_REQUEST },
    run: async ({ lakehouse, workflows }) => {
      const before = clusterState(lakehouse.kube);
      const sleep = await workflows.runWorkflow(OFF_HOURS_WORKFLOW, { action: 'sleep', ...DRILL_REQUEST });
      const asleep = clusterState(lakehouse.kube);
      // What `lakehouse-ops wake <environment>` starts.
      const wake = await workflows.runWorkflow(OFF_HOURS_WORKFLOW, { action: 'wake', ...DRILL_REQUEST });
      await lakehouse.kube.settle();
      night = { before, asleep, after: clusterState(lakehouse.kube), sleep };
      return wake;
    },
    evaluate: (wake, { lakehouse }): ScenarioVerdict => {
      if (!night) return { passed: false, problems: ['the night did not run'] };
      const { before, asleep, after, sleep } = night;
      const problems: string[] = [];
      if (sleep.status !== 'SUCCEEDED') problems.push(`sleep: ${describeExecution(sleep)}`);
      if (wake.status !== 'SUCCEEDED') problems.push(`wake: ${describeExecution(wake)}`);
      const { prefect } = lakehouse.layout;
      const slept = [...asleep].filter(([, value]) => value === '0' || value === 'suspended');
      if (!slept.some(([object]) => object.startsWith(`Deployment ${prefect.namespace}/`))) {
        problems.push('no Prefect worker was scaled to zero for the night');
      }
      // The Prefect server and every StatefulSet (MinIO, PostgreSQL) stay up all night.
      const statefulTier = [
        `Deployment ${prefect.namespace}/${prefect.serverDeployment}`,
        ...[...before.keys()].filter((object) => object.startsWith('StatefulSet ')),
      ];
      for (const object of statefulTier) {
        if (asleep.get(object) !== before.get(object)) {
          problems.push(`${object} moved for the night: ${before.get(object)} -> ${asleep.get(object)}`);
        }
      }
      problems.push(...differences(before, after).map((difference) => `after the wake-up, ${difference}`));
      const status = (wake.output as { status?: unknown } | undefined)?.status;
      return {
        passed: problems.length === 0,
        problems,
        // The wake-up's report (the sleep's is in the notifications above it).
        ...(typeof status === 'string' ? { reportStatus: status } : {}),
        details: [
          `asleep: ${slept.map(([object, value]) => `${object}=${value}`).join(', ') || 'nothing'}`,
          `woken: ${before.size} workloads and CronJobs compared, ${differences(before, after).length} differ`,
        ],
      };
    },
  };
}

export const COST_DRILL_SCENARIOS: readonly DrillScenario[] = [
  offHoursNight(),
  ...RIGHTSIZING_DRILL_SCENARIOS,
];
