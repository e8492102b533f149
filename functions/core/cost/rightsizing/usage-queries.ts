import type { RightsizingSettings } from './settings.ts';

/**
 * The PromQL of right-sizing, in two parts.
 *
 * 1. Recording rules (rightsizingRecordingRules(), which cluster-manifests must carry in
 *    Prometheus' rule files) turn the raw series into one series per workload container, every 5
 *    minutes: the busiest replica's 5-minute CPU rate and working-set peak, the pods running, the pods
 *    whose last termination was an OOM kill, the oldest pod's creation time. A workload's pods
 *    come and go (an hourly CronJob leaves 336 pods in 14 days; 2,000 workloads leave 170,000):
 *    reading 14 days of per-pod series at query time touched every one of them, once per
 *    statistic, and took minutes; each rule evaluation touches only the pods alive at that time.
 * 2. A few instant queries (usageQueries()) read every statistic of every workload container at
 *    once from those series (`quantile_over_time`, `max_over_time`, `deriv`...), each tagged with a
 *    `statistic` label: a few rows per container, never a raw series, into the Lambda.
 *
 * The pod -> workload map comes from kube-state-metrics: `kube_pod_owner` names the controller. A
 * ReplicaSet's name is `<deployment>-<pod-template-hash>`, so the Deployment is the name without
 * its last dash segment (exact, unlike guessing from pod names, where `app-28391234-abcde` could be
 * a CronJob's pod). A Job's pods belong to its CronJob when `kube_job_owner` says so, else to the
 * Job; flow-run pods of a Prefect work pool are recognised by the worker's
 * `prefect.io/work-pool-name` pod label (kube_pod_labels, which needs kube-state-metrics'
 * `--metric-labels-allowlist=pods=[prefect.io/work-pool-name]`). Earlier rules win for a pod
 * (`or on (namespace, pod)`): work pool, CronJob, Job, StatefulSet, Deployment. The map is inlined
 * in every rule rather than recorded once: `promtool tsdb create-blocks-from rules` (how a new rule
 * is backfilled) cannot read a rule's output from another rule.
 */
export const STATISTICS = [
  'cpuPercentile',
  'cpuP95',
  'cpuP99',
  'cpuMax',
  'memoryP99',
  'memoryPeak',
  'memoryGrowthPerSecond',
  'memoryEarlyPeak',
  'memoryLatePeak',
  'firstSeen',
  'podSamples',
  'oomKilledPods',
] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface UsageQueryScope {
  historyHours: number;
  /** Only these namespaces (all when empty). */
  namespaces: readonly string[];
}

const WORKLOAD_CONTAINER = '(namespace, workload_kind, workload, container)';
const POD_KEY = '(namespace, pod, workload_kind, workload)';

function namespaceMatcher(namespaces: readonly string[]): string {
  if (namespaces.length === 0) return '';
  const alternatives = namespaces.map((namespace) => namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `namespace=~${JSON.stringify(alternatives.join('|'))}`;
}

function matchers(...parts: string[]): string {
  const present = parts.filter(Boolean);
  return present.length === 0 ? '' : `{${present.join(', ')}}`;
}

/** The pod -> (workload_kind, workload) map at an instant: one series of value 1 per pod. */
export function podWorkloadMap(): string {
  const owner = (kind: string) => `kube_pod_owner{owner_kind="${kind}"}`;
  const named = (expression: string, kind: string, from: string, regex = '(.+)') =>
    `group by ${POD_KEY} (label_replace(label_replace(${expression}, "workload", "$1", "${from}", "${regex}"), "workload_kind", "${kind}", "", ""))`;
  const cronJobOfJob =
    'max by (namespace, owner_name, workload) (label_replace(label_replace(kube_job_owner{owner_kind="CronJob"}, ' +
    '"workload", "$1", "owner_name", "(.+)"), "owner_name", "$1", "job_name", "(.+)"))';
  const parts = [
    named(
      'kube_pod_labels{label_prefect_io_work_pool_name!=""}',
      'PrefectWorkPool',
      'label_prefect_io_work_pool_name',
    ),
    `group by ${POD_KEY} (label_replace(${owner('Job')} * on (namespace, owner_name) group_left (workload) ${cronJobOfJob}, "workload_kind", "CronJob", "", ""))`,
    named(owner('Job'), 'Job', 'owner_name'),
    named(owner('StatefulSet'), 'StatefulSet', 'owner_name'),
    named(owner('ReplicaSet'), 'Deployment', 'owner_name', '(.+)-[^-]+'),
  ];
  return parts.map((part) => `(${part})`).join(' or on (namespace, pod) ');
}

/** `aggregation` of a per-(namespace, pod[, container]) expression over each workload's pods. */
function perWorkload(aggregation: 'max' | 'min' | 'count', perPod: string, by = WORKLOAD_CONTAINER): string {
  return `${aggregation} by ${by} (${perPod} * on (namespace, pod) group_left (workload_kind, workload) (${podWorkloadMap()}))`;
}

const CONTAINERS = '{container!="", container!="POD"}';
const POD_CPU_RATE = `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total${CONTAINERS}[5m]))`;

/** The recorded series, one per workload container (created: per workload). */
export const RECORDS = {
  cpu: 'namespace_workload_container:container_cpu_usage_seconds_total:max_rate5m',
  memory: 'namespace_workload_container:container_memory_working_set_bytes:max5m',
  pods: 'namespace_workload_container:pods_running:count',
  oomKilledPods: 'namespace_workload_container:kube_pod_container_status_oom_killed:count',
  created: 'namespace_workload:kube_pod_created:min',
} as const;

/**
 * The rule group's interval (settings.recordingIntervalSeconds must say the same): the 5-minute
 * bins the issue scores in. The CPU rate and the working set's peak are over the same 5 minutes,
 * so no usage falls between two records, and 14 days are 4,032 samples a series, not 20,160: the
 * query's cost is its samples (2,000 workloads read in a few seconds; at 1m, five times that).
 */
export const RECORDING_INTERVAL = '5m';
export const RECORDING_INTERVAL_SECONDS = 300;

export interface RecordingRuleGroup {
  name: string;
  interval: string;
  rules: { record: string; expr: string }[];
}

export function rightsizingRecordingRules(): RecordingRuleGroup {
  const oomReason = (metric: string) => `max by (namespace, pod, container) (${metric}{reason="OOMKilled"})`;
  return {
    name: 'lakehouse-ops-rightsizing',
    interval: RECORDING_INTERVAL,
    rules: [
      { record: RECORDS.cpu, expr: perWorkload('max', POD_CPU_RATE) },
      {
        record: RECORDS.memory,
        expr: perWorkload(
          'max',
          `max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes${CONTAINERS}[5m]))`,
        ),
      },
      { record: RECORDS.pods, expr: perWorkload('count', POD_CPU_RATE) },
      {
        // kube-state-metrics keeps a container's last termination reason only: a restarted
        // container OOM-killed before, or one that stayed terminated by an OOM kill (restartPolicy Never).
        record: RECORDS.oomKilledPods,
        expr: perWorkload(
          'count',
          `(${oomReason('kube_pod_container_status_last_terminated_reason')} or ${oomReason('kube_pod_container_status_terminated_reason')})`,
        ),
      },
      {
        record: RECORDS.created,
        expr: perWorkload(
          'min',
          'min by (namespace, pod) (kube_pod_created)',
          '(namespace, workload_kind, workload)',
        ),
      },
    ],
  };
}

/** Label `container` a workload-level answer carries for every container (pod-level statistics). */
export const ANY_CONTAINER = '*';

const LONG_RUNNING = 'workload_kind=~"Deployment|StatefulSet"';
const RUN_TO_COMPLETION = 'workload_kind=~"CronJob|Job|PrefectWorkPool"';

/**
 * Every statistic of every workload container over the history, as a few queries sent at once
 * (Prometheus evaluates one query on one core): unions of range functions over the recorded
 * series, each tagged with its `statistic`. The quantiles, which sort every sample, each go alone.
 */
export function usageQueries(
  scope: UsageQueryScope,
  settings: Pick<RightsizingSettings, 'cpuPercentile'>,
): string[] {
  const minutes = Math.round(scope.historyHours * 60);
  const range = `${minutes}m`;
  const half = `${Math.floor(minutes / 2)}m`;
  const ns = namespaceMatcher(scope.namespaces);
  const over = (
    fn: string,
    record: string,
    options: { parameter?: number; only?: string; window?: string; offset?: string } = {},
  ) => {
    const { parameter, only = '', window = range, offset } = options;
    return `${fn}(${parameter === undefined ? '' : `${parameter}, `}${record}${matchers(ns, only)}[${window}]${offset ? ` offset ${offset}` : ''})`;
  };
  const tagged = (statistics: Partial<Record<Statistic, string>>) =>
    Object.entries(statistics)
      .map(([statistic, expression]) => `label_replace(${expression}, "statistic", "${statistic}", "", "")`)
      .join(' or ');
  const groups: Partial<Record<Statistic, string>>[] = [
    { cpuP95: over('quantile_over_time', RECORDS.cpu, { parameter: 0.95 }) },
    { cpuP99: over('quantile_over_time', RECORDS.cpu, { parameter: 0.99 }) },
    { memoryP99: over('quantile_over_time', RECORDS.memory, { parameter: 0.99 }) },
    {
      cpuMax: over('max_over_time', RECORDS.cpu),
      memoryPeak: over('max_over_time', RECORDS.memory),
      // Least-squares slope of the busiest replica's working set: a leak is a steady positive slope.
      memoryGrowthPerSecond: over('deriv', RECORDS.memory, { only: LONG_RUNNING }),
      // Peaks of each half of the history: runs of a CronJob each start afresh, so their growth
      // (a growing input) shows from one half to the other, not within a run.
      memoryEarlyPeak: over('max_over_time', RECORDS.memory, {
        only: RUN_TO_COMPLETION,
        window: half,
        offset: half,
      }),
      memoryLatePeak: over('max_over_time', RECORDS.memory, { only: RUN_TO_COMPLETION, window: half }),
      firstSeen: over('min_over_time', RECORDS.created),
      // One recorded sample per running pod and recording interval: the pod-time of runs.
      podSamples: over('sum_over_time', RECORDS.pods, { only: RUN_TO_COMPLETION }),
      oomKilledPods: over('max_over_time', RECORDS.oomKilledPods),
    },
  ];
  // The configured percentile is asked for on its own only when it is not the 95th.
  if (settings.cpuPercentile !== 0.95) {
    groups.push({
      cpuPercentile: over('quantile_over_time', RECORDS.cpu, { parameter: settings.cpuPercentile }),
    });
  }
  return groups.map(tagged);
}
