import { sameResources } from '../../../functions/core/cost/apply/container-resources.ts';
import { COST_OPTIMISE_WORKFLOW } from '../../../functions/core/cost/apply/request.ts';
import type { WorkloadRef } from '../../../functions/core/cost/recommendation.ts';
import type { PlatformLayout } from '../../../functions/core/platform/layout.ts';
import type { Pod } from '../../kube-sim/index.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import { oomKillPod } from '../../lakehouse/pod-faults.ts';
import type { RightsizingUsage } from '../../lakehouse/rightsizing-usage.ts';
import type { SyntheticWorkload } from '../../lakehouse/usage-history.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { describeExecution } from './execution-document.ts';
import {
  describeRow,
  guardrailProblems,
  maxWeeklyDecreaseOf,
  readStoredReport,
  resourcesProblem,
  rowOf,
  type StoredCostReport,
  workloadKey,
} from './rightsizing-checks.ts';
import {
  GIB,
  HISTORY_DAYS,
  MIB,
  type RightsizingFixture,
  seedRightsizingFixture,
  steadyContainer,
} from './rightsizing-fixture.ts';
import {
  type DrillRunContext,
  type DrillScenario,
  type ScenarioVerdict,
  scenarioWithFixture,
} from './scenarios.ts';

/**
 * The drill's right-sizing scenarios (issue 6): the real cost-optimise workflow on workloads with
 * days of usage in a real Prometheus (rightsizing-fixture.ts).
 *
 * - rightsizing-run: over-provisioned Deployments are right-sized within the guardrails, a Prefect
 *   work pool is recommended for but not patched, and the platform's PostgreSQL (the stateful tier)
 *   waits for an approval that the drill rejects through the notification's link, as an operator
 *   would: it must keep its resources.
 * - rightsizing-rollback-on-oom: two Deployments are right-sized; during the watch one of them is
 *   OOM-killed, and the run must put exactly its old resources back, audit and notify it, and keep
 *   the other change.
 *
 * Step Functions' Wait is instant locally, so the watch period is the time the drill takes to
 * make the OOM kills happen and to see Prometheus scrape them, just before the watch step runs.
 */
const REQUESTED_BY = 'lakehouse-ops-drill';
const APPROVER = 'lakehouse-ops-drill (operator)';
const ROLLBACK_SUBJECT = 'Right-sizing rolled back';

const overProvisioned = {
  requests: { cpuCores: 1, memoryBytes: 2 * GIB },
  limits: { memoryBytes: 3 * GIB },
};

function deployment(namespace: string, name: string, replicas = 1): SyntheticWorkload {
  return {
    namespace,
    kind: 'Deployment',
    name,
    replicas,
    pool: 'compute',
    containers: [steadyContainer(overProvisioned, { cpuCores: 0.15, memoryBytes: 500 * MIB })],
  };
}

/** Right-sizing changes only the lakehouse's namespaces: the scenarios' workloads live there. */
function runWorkloads(layout: PlatformLayout): SyntheticWorkload[] {
  const namespace = layout.monitoring.namespace;
  return [
    deployment(namespace, 'dashboard-api', 2),
    {
      ...deployment(namespace, 'report-builder'),
      // Busy, with short bursts: the p99 floor rather than the cap decides its CPU.
      containers: [
        steadyContainer(
          { requests: { cpuCores: 1, memoryBytes: GIB }, limits: { memoryBytes: 2 * GIB } },
          { cpuCores: 0.5, memoryBytes: 600 * MIB },
          { cpu: { diurnalAmplitude: 0.1, noise: 0.05, spikeChance: 0.03, spikeFactor: 1.6 } },
        ),
      ],
    },
    {
      namespace,
      kind: 'PrefectWorkPool',
      name: 'report-flows',
      replicas: 1,
      pool: 'compute',
      schedule: { everyMinutes: 30, durationMinutes: 10 },
      containers: [
        steadyContainer(overProvisioned, { cpuCores: 0.3, memoryBytes: 400 * MIB }, { name: 'prefect-job' }),
      ],
    },
    // The platform's own PostgreSQL (seeded by the lakehouse): usage only, its object stays.
    {
      namespace: layout.prefect.namespace,
      kind: 'StatefulSet',
      name: 'prefect-postgresql',
      replicas: 1,
      pool: 'system',
      containers: [
        steadyContainer(
          { requests: { cpuCores: 0.25, memoryBytes: GIB }, limits: { memoryBytes: GIB } },
          { cpuCores: 0.04, memoryBytes: 300 * MIB },
          { name: 'postgresql' },
        ),
      ],
    },
  ];
}

/** The run's input; `namespaces` empty is every namespace (the drill narrows it to its workloads'). */
function request(namespaces: readonly string[]) {
  return { requestedBy: REQUESTED_BY, historyDays: HISTORY_DAYS, namespaces };
}

function namespacesOf(fixture: RightsizingFixture): string[] {
  return [...new Set(fixture.workloads.map((workload) => workload.namespace))];
}

// ---------------------------------------------------------------------------------------------
// Checks shared by both scenarios

interface Judged {
  readonly problems: string[];
  readonly stored?: StoredCostReport;
}

/** The run succeeded, left its report in the bucket, and recommended for every seeded container with evidence. */
async function judgeRun(
  execution: ExecutionResult,
  context: DrillRunContext,
  fixture: RightsizingFixture,
): Promise<Judged> {
  const problems: string[] = [];
  if (execution.status !== 'SUCCEEDED') problems.push(describeExecution(execution));
  const stored = await readStoredReport(execution, context.workflows);
  if (typeof stored === 'string') return { problems: [...problems, stored] };
  if (!stored.chartStored) problems.push(`the chart ${stored.output.chartKey} is not in the report bucket`);
  for (const container of fixture.containers) {
    const row = rowOf(stored.report, container);
    const evidence = row?.recommendation.evidence;
    if (!row || !evidence) {
      problems.push(`no recommendation for ${workloadKey(container)}`);
    } else if (evidence.historyHours < 72 || !(evidence.cpuP95Cores > 0) || !(evidence.memoryPeakBytes > 0)) {
      problems.push(`${workloadKey(container)}: thin evidence ${JSON.stringify(evidence)}`);
    }
  }
  return { problems, stored };
}

/** An applied change: within the guardrails, and in the cluster exactly as the report says. */
function appliedProblems(
  context: DrillRunContext,
  fixture: RightsizingFixture,
  stored: StoredCostReport,
  workload: WorkloadRef,
  status: 'KEPT' | 'ROLLED_BACK',
): string[] {
  const row = rowOf(stored.report, workload);
  if (!row) return [];
  if (row.status !== status)
    return [`${workloadKey(workload)} is ${row.status}, expected ${status}: ${describeRow(row)}`];
  const problems = guardrailProblems(row, maxWeeklyDecreaseOf(context.workflows));
  const before = fixture.before.get(workloadKey(workload));
  if (!before || !row.before || !sameResources(row.before, before)) {
    problems.push(
      `${workloadKey(workload)}: the report's before ${JSON.stringify(row.before)} is not what it held`,
    );
  }
  const expected = status === 'KEPT' ? row.after : before;
  const problem =
    expected &&
    resourcesProblem(
      context.lakehouse.kube,
      workload,
      expected,
      status === 'KEPT' ? 'the applied change' : 'exactly its resources before the run',
    );
  if (problem) problems.push(problem);
  return problems;
}

function verdictOf(judged: Judged, fixture: RightsizingFixture, problems: string[]): ScenarioVerdict {
  const all = [...fixture.during.problems, ...judged.problems, ...problems];
  const rows = judged.stored?.report.rows ?? [];
  return {
    passed: all.length === 0,
    problems: all,
    details: [
      ...(fixture.answeredBy ? [fixture.answeredBy] : []),
      // The cost report has no status of its own (its rows have): its mode is worth a line.
      ...(judged.stored ? [`mode: ${judged.stored.report.mode}`] : []),
      ...rows.map(describeRow),
      ...fixture.during.details,
      ...(judged.stored
        ? [`report: s3://${judged.stored.output.bucket}/${judged.stored.output.reportKey}`]
        : []),
    ],
  };
}

function workloadRef(workload: SyntheticWorkload): WorkloadRef {
  return {
    namespace: workload.namespace,
    kind: workload.kind,
    name: workload.name,
    container: workload.containers[0]?.name ?? 'main',
  };
}

// ---------------------------------------------------------------------------------------------
// rightsizing-run: the approval of the stateful tier is rejected, as an operator would

/**
 * Rejects every approval the run asks for while `body` runs: opens the Reject link of the approval
 * notification and submits the form, noting it in `during`. A failure to find or submit the link
 * fails the parked Task, so the run ends instead of waiting hours for an answer.
 */
async function rejectingApprovals<T>(
  lakehouse: LocalLakehouse,
  during: RightsizingFixture['during'],
  body: () => Promise<T>,
): Promise<T> {
  let seen = lakehouse.published.length;
  const answers: Promise<void>[] = [];
  const stopListening = lakehouse.taskTokens.onParked((task) => {
    answers.push(
      (async () => {
        const link = await nextRejectLink(lakehouse, seen);
        seen = link.next;
        const form = new URLSearchParams([
          ...new URL(link.url).searchParams,
          ['approver', APPROVER],
          ['reason', 'the drill keeps the stateful tier as it is'],
        ]);
        const page = await fetch(link.url);
        if (page.status !== 200) throw new Error(`the Reject link answered ${page.status}`);
        const decided = await fetch(link.url, { method: 'POST', body: form });
        if (decided.status !== 200) throw new Error(`submitting the rejection answered ${decided.status}`);
        during.details.push(`${task.state}: rejected through the notification's link as ${APPROVER}`);
      })().catch((error: Error) => {
        during.problems.push(`could not reject ${task.state}: ${error.message}`);
        lakehouse.taskTokens.fail(task.token, 'DrillApprovalFailed', error.message);
      }),
    );
  });
  try {
    const result = await body();
    await Promise.all(answers);
    return result;
  } finally {
    stopListening();
  }
}

const LINK_WAIT_MS = 10_000;

/** The first Reject link published from index `from` on, and the index after its notification. */
async function nextRejectLink(
  lakehouse: LocalLakehouse,
  from: number,
): Promise<{ url: string; next: number }> {
  const deadline = Date.now() + LINK_WAIT_MS;
  while (Date.now() < deadline) {
    const { published } = lakehouse;
    for (let index = from; index < published.length; index += 1) {
      const url = /^Reject: +(\S+)$/m.exec(published[index]?.message ?? '')?.[1];
      if (url) return { url, next: index + 1 };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no approval notification with a Reject link within ${LINK_WAIT_MS / 1000} s`);
}

/** A cost-optimise scenario on its own workloads, seeded with usage (rightsizing-fixture.ts). */
function rightsizingScenario(
  spec: Pick<DrillScenario, 'id' | 'title'> & {
    workloads(layout: PlatformLayout): SyntheticWorkload[];
    run(
      context: Omit<DrillRunContext, 'notifications'>,
      fixture: RightsizingFixture,
    ): Promise<ExecutionResult>;
    evaluate(
      execution: ExecutionResult,
      context: DrillRunContext,
      fixture: RightsizingFixture,
    ): Promise<ScenarioVerdict>;
  },
): DrillScenario {
  const { workloads, ...scenario } = spec;
  return scenarioWithFixture<RightsizingFixture>({
    ...scenario,
    workflow: COST_OPTIMISE_WORKFLOW,
    // What `run` starts, but for the namespaces, which it narrows to the scenario's workloads'.
    input: request([]),
    inject: (lakehouse) => seedRightsizingFixture(lakehouse, scenario.id, workloads(lakehouse.layout)),
  });
}

const RIGHTSIZING_RUN = rightsizingScenario({
  id: 'rightsizing-run',
  title:
    'Right-sizing on 4 days of usage: applied within the guardrails, the stateful tier waits for approval',
  workloads: runWorkloads,
  run: ({ lakehouse, workflows }, fixture) =>
    rejectingApprovals(lakehouse, fixture.during, () =>
      workflows.runWorkflow(COST_OPTIMISE_WORKFLOW, request(namespacesOf(fixture))),
    ),
  evaluate: async (execution, context, fixture) => {
    const judged = await judgeRun(execution, context, fixture);
    const problems: string[] = [];
    const [dashboardApi, reportBuilder, workPool, postgresql] = fixture.workloads.map(workloadRef) as [
      WorkloadRef,
      WorkloadRef,
      WorkloadRef,
      WorkloadRef,
    ];
    const { stored } = judged;
    if (stored) {
      for (const workload of [dashboardApi, reportBuilder]) {
        problems.push(...appliedProblems(context, fixture, stored, workload, 'KEPT'));
      }
      const pool = rowOf(stored.report, workPool);
      if (pool && pool.status !== 'SKIPPED')
        problems.push(`the work pool was ${pool.status}, expected SKIPPED`);
      const database = rowOf(stored.report, postgresql);
      if (
        database &&
        !(database.status === 'SKIPPED' && database.detail.some((line) => line.includes('rejected')))
      ) {
        problems.push(`the stateful tier's ${workloadKey(postgresql)} was ${describeRow(database)}`);
      }
    }
    if (fixture.during.details.length === 0) problems.push('no approval was asked for the stateful tier');
    const untouched = fixture.before.get(workloadKey(postgresql));
    const moved =
      untouched &&
      resourcesProblem(context.lakehouse.kube, postgresql, untouched, 'its resources before the run');
    if (!untouched) problems.push(`${workloadKey(postgresql)} was not in the cluster before the run`);
    if (moved) problems.push(`the stateful tier moved without approval: ${moved}`);
    return verdictOf(judged, fixture, problems);
  },
});

// ---------------------------------------------------------------------------------------------
// rightsizing-rollback-on-oom

const OOM_RESTARTS = 3;
const SCRAPE_WAIT_MS = 15_000;

function rollbackWorkloads(layout: PlatformLayout): SyntheticWorkload[] {
  const namespace = layout.s5cmd.namespace;
  return [deployment(namespace, 'sync-writer'), deployment(namespace, 'sync-reader')];
}

/** A vector query's first sample value, or undefined when it is empty. */
async function queryValue(prometheusUrl: string, expression: string): Promise<number | undefined> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
  const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
  const sample = body.data?.result?.[0];
  return sample ? Number(sample.value[1]) : undefined;
}

async function untilPrometheusSees(prometheusUrl: string, expression: string, what: string): Promise<void> {
  const deadline = Date.now() + SCRAPE_WAIT_MS;
  while ((await queryValue(prometheusUrl, expression)) === undefined) {
    if (Date.now() > deadline)
      throw new Error(`Prometheus did not see ${what} within ${SCRAPE_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The watch period, paced: the right-sized pods run (Prometheus scrapes them healthy), then are
 * OOM-killed OOM_RESTARTS times, until Prometheus has scraped the restarts and the OOMKilled reason.
 * Without a scraping Prometheus (recorded answers) the pods are OOM-killed all the same, and the
 * watch starts as long after the change as it did when recorded: the watch asks one query for the
 * period before the change and the period after it, and the replay tells the two apart by time.
 */
async function oomKillDuringWatch(
  lakehouse: LocalLakehouse,
  usage: RightsizingUsage,
  workload: SyntheticWorkload,
): Promise<string[]> {
  const { kube } = lakehouse;
  const prometheusUrl = usage.scrapingPrometheusUrl;
  const watchPeriod = new Promise((resolve) =>
    setTimeout(resolve, prometheusUrl === undefined ? (usage.recordedLookbackSeconds ?? 0) * 1000 : 0),
  );
  await kube.settle();
  const pods = kube
    .list<Pod>('v1', 'Pod', workload.namespace, `app=${workload.name}`)
    .filter((pod) => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp);
  if (pods.length === 0)
    throw new Error(`no running pod of ${workload.namespace}/${workload.name} to OOM-kill`);
  const selector = (pod: Pod) => `namespace="${workload.namespace}",pod="${pod.metadata.name}"`;
  for (const pod of pods) {
    if (prometheusUrl !== undefined) {
      await untilPrometheusSees(
        prometheusUrl,
        `kube_pod_container_status_restarts_total{${selector(pod)}}`,
        `pod ${pod.metadata.name} running`,
      );
    }
    await oomKillPod(kube, pod);
  }
  await kube.tick(OOM_RESTARTS);
  if (prometheusUrl !== undefined) {
    for (const pod of pods) {
      await untilPrometheusSees(
        prometheusUrl,
        `kube_pod_container_status_restarts_total{${selector(pod)}} >= ${OOM_RESTARTS} and on(namespace, pod, container) kube_pod_container_status_last_terminated_reason{${selector(pod)},reason="OOMKilled"}`,
        `the OOM kills of ${pod.metadata.name}`,
      );
    }
  }
  await watchPeriod;
  return pods.map((pod) => pod.metadata.name ?? '');
}

const RIGHTSIZING_ROLLBACK = rightsizingScenario({
  id: 'rightsizing-rollback-on-oom',
  title:
    'Right-sizing rolled back: a right-sized Deployment OOM-killed during the watch gets its resources back',
  workloads: rollbackWorkloads,
  run: ({ lakehouse, workflows }, fixture) => {
    const [writer] = fixture.workloads;
    return workflows.runWorkflow(COST_OPTIMISE_WORKFLOW, request(namespacesOf(fixture)), {
      interceptTask: async (state, _input, invoke) => {
        if (state === 'WatchRightsizing' && writer) {
          await oomKillDuringWatch(lakehouse, fixture.usage, writer).then(
            (pods) => fixture.during.details.push(`OOM-killed during the watch: ${pods.join(', ')}`),
            (error: Error) => fixture.during.problems.push(`no OOM kill during the watch: ${error.message}`),
          );
        }
        return invoke();
      },
    });
  },
  evaluate: async (execution, context, fixture) => {
    const judged = await judgeRun(execution, context, fixture);
    const [writer, reader] = fixture.workloads.map(workloadRef) as [WorkloadRef, WorkloadRef];
    const problems: string[] = [];
    if (
      !execution.timeline.some(
        (entry) => entry.state === 'RollbackRightsizing' && entry.status === 'SUCCEEDED',
      )
    ) {
      problems.push('RollbackRightsizing did not run');
    }
    if (judged.stored) {
      problems.push(...appliedProblems(context, fixture, judged.stored, writer, 'ROLLED_BACK'));
      problems.push(...appliedProblems(context, fixture, judged.stored, reader, 'KEPT'));
      const executionId = judged.stored.output.executionId;
      const trail = await context.lakehouse.readAuditTrail(COST_OPTIMISE_WORKFLOW, workloadKey(writer));
      const audited = trail.filter((record) => record.executionId === executionId);
      for (const [action, decision] of [
        ['apply', 'APPLIED'],
        ['rollback', 'ROLLED_BACK'],
      ] as const) {
        if (!audited.some((record) => record.action === action && record.decision === decision)) {
          problems.push(`no ${action} ${decision} in the audit trail of ${workloadKey(writer)}`);
        }
      }
    }
    if (!context.notifications.some((notification) => notification.subject?.includes(ROLLBACK_SUBJECT))) {
      problems.push(`no "${ROLLBACK_SUBJECT}" notification`);
    }
    return verdictOf(judged, fixture, problems);
  },
});

export const RIGHTSIZING_DRILL_SCENARIOS: readonly DrillScenario[] = [RIGHTSIZING_RUN, RIGHTSIZING_ROLLBACK];
