import { auditTargetOf } from '../../../functions/core/cost/apply/apply.ts';
import {
  type ContainerResources,
  containerResourcesOf,
  describeResourceChange,
  sameResources,
} from '../../../functions/core/cost/apply/container-resources.ts';
import { parseCpu, parseMemory } from '../../../functions/core/cost/apply/quantities.ts';
import { parseApplySettings } from '../../../functions/core/cost/apply/settings.ts';
import type { WorkloadRef } from '../../../functions/core/cost/recommendation.ts';
import type { CostReport, ReportRow } from '../../../functions/core/cost/report/cost-report.ts';
import type { KubeSim } from '../../kube-sim/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { localS3Client } from '../../runner/stack-buckets.ts';
import type { LocalWorkflows } from '../../runner/workflows.ts';
import { readObject, withClient } from './object-store.ts';

/**
 * What the right-sizing scenarios judge a cost-optimise run by, read from the places the run
 * wrote to and never from its own account of them: the pod templates in kube-sim, the report in
 * the report bucket, the guardrails recomputed from the report's before, after and evidence.
 */
export const workloadKey = auditTargetOf;

type PodTemplate = {
  spec?: { containers?: { name: string; resources?: Record<string, Record<string, unknown>> }[] };
};

interface PodTemplateHolder {
  spec?: { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } };
}

const API_VERSIONS: Readonly<Record<string, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  CronJob: 'batch/v1',
};

/** The container's requests and limits as the cluster holds them now (undefined: no such container). */
export function liveResources(kube: KubeSim, workload: WorkloadRef): ContainerResources | undefined {
  const apiVersion = API_VERSIONS[workload.kind];
  if (!apiVersion) return undefined;
  const object = kube.get(apiVersion, workload.kind, workload.name, workload.namespace) as
    | PodTemplateHolder
    | undefined;
  const template = object?.spec?.template ?? object?.spec?.jobTemplate?.spec?.template;
  const container = template?.spec?.containers?.find((candidate) => candidate.name === workload.container);
  return container ? containerResourcesOf(container.resources ?? {}) : undefined;
}

/** Each workload's container resources now, by workloadKey. */
export function snapshotResources(
  kube: KubeSim,
  workloads: readonly WorkloadRef[],
): Map<string, ContainerResources> {
  const snapshot = new Map<string, ContainerResources>();
  for (const workload of workloads) {
    const resources = liveResources(kube, workload);
    if (resources) snapshot.set(workloadKey(workload), resources);
  }
  return snapshot;
}

/** What cost-optimise's SummariseRun hands back. */
interface CostOptimiseOutput {
  readonly executionId: string;
  readonly bucket: string;
  readonly reportKey: string;
  readonly chartKey: string;
}

function outputOf(execution: ExecutionResult): CostOptimiseOutput | undefined {
  const output = execution.output as Partial<CostOptimiseOutput> | undefined;
  return output?.bucket && output.reportKey && output.chartKey && output.executionId
    ? (output as CostOptimiseOutput)
    : undefined;
}

export interface StoredCostReport {
  readonly report: CostReport;
  readonly output: CostOptimiseOutput;
  /** Whether the SVG chart is in the bucket beside the report. */
  readonly chartStored: boolean;
}

/** report.json as the run left it in the report bucket; a string says why there is none. */
export async function readStoredReport(
  execution: ExecutionResult,
  workflows: LocalWorkflows,
): Promise<StoredCostReport | string> {
  const output = outputOf(execution);
  if (!output) return `no report keys in the execution output: ${JSON.stringify(execution.output)}`;
  return withClient(localS3Client(workflows.environment), async (s3) => {
    const [report, chart] = await Promise.all([
      readObject(s3, output.bucket, output.reportKey),
      readObject(s3, output.bucket, output.chartKey),
    ]);
    if (!report) return `s3://${output.bucket}/${output.reportKey} is not in the report bucket`;
    const parsed = JSON.parse(report.body.toString('utf8')) as CostReport;
    if (!Array.isArray(parsed.rows)) return `s3://${output.bucket}/${output.reportKey} has no rows`;
    return { report: parsed, output, chartStored: chart !== undefined && chart.body.length > 0 };
  });
}

export function rowOf(report: CostReport, workload: WorkloadRef): ReportRow | undefined {
  return report.rows.find((row) => workloadKey(row.workload) === workloadKey(workload));
}

/** The weekly cap the environment's functions run with (RIGHTSIZING_APPLY). */
export function maxWeeklyDecreaseOf(workflows: LocalWorkflows): number {
  return parseApplySettings(workflows.environment.RIGHTSIZING_APPLY ?? '{}').maxWeeklyDecrease;
}

const QUANTITIES = [
  ['cpu', parseCpu],
  ['memory', parseMemory],
] as const;

/**
 * The guardrails, recomputed on one applied row: no quantity lowered by more than the weekly cap
 * (these workloads have no earlier change this week, so a week ago is `before`), and no lowered
 * request below the observed p99 usage.
 */
export function guardrailProblems(row: ReportRow, maxWeeklyDecrease: number): string[] {
  const problems: string[] = [];
  const { before, after } = row;
  if (!before || !after) return [`${workloadKey(row.workload)}: ${row.status} without before and after`];
  const p99 = {
    cpu: row.recommendation.evidence.cpuP99Cores,
    memory: row.recommendation.evidence.memoryP99Bytes,
  };
  for (const section of ['requests', 'limits'] as const) {
    for (const [quantity, parse] of QUANTITIES) {
      const from = before[section][quantity];
      const to = after[section][quantity];
      if (from === undefined || to === undefined || parse(to) >= parse(from)) continue;
      const floor = parse(from) * (1 - maxWeeklyDecrease);
      if (parse(to) < floor) {
        problems.push(
          `${workloadKey(row.workload)}: ${quantity} ${section} ${from} -> ${to}, more than the ${maxWeeklyDecrease * 100}% weekly cap`,
        );
      }
      if (section === 'requests' && parse(to) < p99[quantity]) {
        problems.push(
          `${workloadKey(row.workload)}: ${quantity} request ${to} is below the observed p99 usage ${p99[quantity]}`,
        );
      }
    }
  }
  return problems;
}

/** A problem when the workload's container does not hold `expected` now. */
export function resourcesProblem(
  kube: KubeSim,
  workload: WorkloadRef,
  expected: ContainerResources,
  what: string,
): string | undefined {
  const live = liveResources(kube, workload);
  if (!live) return `${workloadKey(workload)} is gone from the cluster`;
  return sameResources(live, expected)
    ? undefined
    : `${workloadKey(workload)} holds ${describeResourceChange(expected, live)}, expected ${what}`;
}

/** One line per row: status, the change and why. */
export function describeRow(row: ReportRow): string {
  const change = row.before && row.after ? ` ${describeResourceChange(row.before, row.after)}` : '';
  const why = row.detail.length > 0 ? ` (${row.detail.join('; ')})` : '';
  return `${row.status} ${workloadKey(row.workload)}:${change}${why}`;
}
