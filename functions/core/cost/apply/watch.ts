import * as z from 'zod/mini';
import { namedError } from '../../../commons/errors.ts';
import { type HttpJsonOptions, requestJson } from '../../remediation/http-json.ts';
import type { ResourceAmounts, WorkloadRef } from '../recommendation.ts';
import { appliedChangeSchema } from './apply.ts';
import { podNamePattern } from './workload-objects.ts';

/**
 * The watch after applying: for each changed workload, OOM kills and CPU throttling over the
 * period since the change, against the same length of time just before it (its own level, so a
 * workload that always throttled a little is not rolled back for it). Both are one aggregated
 * PromQL expression per workload and period; no raw series reach the Lambda.
 *
 * - OOM kills: container restarts (kube_pod_container_status_restarts_total) of containers whose
 *   last termination in the period was OOMKilled (kube_pod_container_status_last_terminated_reason).
 * - Throttling: throttled CFS periods / all CFS periods (cAdvisor). A container without a CPU limit
 *   has no CFS quota, hence no periods: its throttling is 0.
 *
 * It also measures the requests the workload's pods actually held over the watched period
 * (kube_pod_container_resource_requests, averaged), for the report's realised savings.
 */
export const watchRequestSchema = z.object({
  applied: z.array(appliedChangeSchema),
  appliedAt: z.iso.datetime(),
  maxOomKillIncrease: z.number().check(z.int(), z.nonnegative()),
  maxThrottlingIncrease: z.number().check(z.gte(0)),
});
export type WatchRequest = z.input<typeof watchRequestSchema>;

export interface WatchMeasure {
  readonly oomKills: number;
  /** Throttled share of CFS periods, 0..1. */
  readonly throttling: number;
}

export interface WorkloadVerdict {
  readonly workload: WorkloadRef;
  readonly before: WatchMeasure;
  readonly after: WatchMeasure;
  readonly rollback: boolean;
  readonly reasons: string[];
  /** Average requests per pod over the watched period, where Prometheus had them. */
  readonly observedRequests: ResourceAmounts;
}

export interface WatchResult {
  readonly evaluatedAt: string;
  readonly watchedSeconds: number;
  readonly verdicts: WorkloadVerdict[];
  readonly rollbackNeeded: boolean;
}

/** Prometheus answered, but not with what an instant query of a sum must return. */
export class PrometheusQueryError extends namedError('PrometheusQueryError') {}

export interface PrometheusClient {
  /** The single value of an aggregated instant query at `time`, or undefined when it is empty. */
  scalarAt(query: string, time: Date): Promise<number | undefined>;
}

export function prometheusClient(prometheusUrl: string, fetch?: HttpJsonOptions['fetch']): PrometheusClient {
  const root = prometheusUrl.replace(/\/+$/, '');
  return {
    async scalarAt(query, time) {
      const url = new URL(`${root}/api/v1/query`);
      url.searchParams.set('query', query);
      url.searchParams.set('time', String(time.getTime() / 1000));
      const body = await requestJson<{
        status: string;
        error?: string;
        data?: { resultType: string; result: { value: [number, string] }[] };
      }>('right-sizing watch query', url.toString(), { fetch });
      if (body?.status !== 'success' || body.data?.resultType !== 'vector') {
        throw new PrometheusQueryError(
          `Prometheus could not evaluate ${query}: ${body?.error ?? `result type ${body?.data?.resultType}`}`,
          { query },
        );
      }
      const [sample, ...more] = body.data.result;
      if (more.length > 0) {
        throw new PrometheusQueryError(`${query} returned ${more.length + 1} series: expected one sum`, {
          query,
        });
      }
      const value = sample === undefined ? undefined : Number(sample.value[1]);
      return value === undefined || Number.isNaN(value) ? undefined : value;
    },
  };
}

function selector(workload: WorkloadRef, extra = ''): string {
  const pod = podNamePattern(workload.kind, workload.name);
  return `{namespace=${JSON.stringify(workload.namespace)},pod=~${JSON.stringify(pod)},container=${JSON.stringify(workload.container)}${extra}}`;
}

export function oomKillsQuery(workload: WorkloadRef, windowSeconds: number): string {
  const range = `[${windowSeconds}s]`;
  return (
    `sum(increase(kube_pod_container_status_restarts_total${selector(workload)}${range})` +
    ' * on(namespace, pod, container) group_left() max by (namespace, pod, container) (' +
    `max_over_time(kube_pod_container_status_last_terminated_reason${selector(workload, ',reason="OOMKilled"')}${range})))`
  );
}

export function throttlingQuery(workload: WorkloadRef, windowSeconds: number): string {
  const range = `[${windowSeconds}s]`;
  return (
    `sum(increase(container_cpu_cfs_throttled_periods_total${selector(workload)}${range}))` +
    ` / sum(increase(container_cpu_cfs_periods_total${selector(workload)}${range}))`
  );
}

export function requestsQuery(
  workload: WorkloadRef,
  resource: 'cpu' | 'memory',
  windowSeconds: number,
): string {
  return `avg(avg_over_time(kube_pod_container_resource_requests${selector(workload, `,resource="${resource}"`)}[${windowSeconds}s]))`;
}

/** The rule, on numbers: a rise beyond the allowance in either measure means roll back. */
export function judgeWatch(
  before: WatchMeasure,
  after: WatchMeasure,
  limits: { maxOomKillIncrease: number; maxThrottlingIncrease: number },
): { rollback: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const oomRise = after.oomKills - before.oomKills;
  if (oomRise > limits.maxOomKillIncrease) {
    reasons.push(
      `OOM kills rose from ${before.oomKills} to ${after.oomKills} (at most +${limits.maxOomKillIncrease} allowed)`,
    );
  }
  const throttlingRise = after.throttling - before.throttling;
  if (throttlingRise > limits.maxThrottlingIncrease) {
    const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
    reasons.push(
      `CPU throttling rose from ${percent(before.throttling)} to ${percent(after.throttling)} of CFS periods (at most +${percent(limits.maxThrottlingIncrease)} allowed)`,
    );
  }
  return { rollback: reasons.length > 0, reasons };
}

/** Whole restarts: increase() extrapolates, so 0.98 is one kill, 0.02 none. */
const roundCount = (value: number | undefined) => Math.round(value ?? 0);

async function measure(
  prometheus: PrometheusClient,
  workload: WorkloadRef,
  windowSeconds: number,
  at: Date,
): Promise<WatchMeasure> {
  const [oomKills, throttling] = await Promise.all([
    prometheus.scalarAt(oomKillsQuery(workload, windowSeconds), at),
    prometheus.scalarAt(throttlingQuery(workload, windowSeconds), at),
  ]);
  return { oomKills: roundCount(oomKills), throttling: throttling ?? 0 };
}

/** Shorter windows than this say nothing (and Prometheus needs two samples in a range). */
export const MIN_WATCH_SECONDS = 60;

export async function watchRightsizing(
  prometheus: PrometheusClient,
  request: z.output<typeof watchRequestSchema>,
  now: Date,
): Promise<WatchResult> {
  const appliedAt = new Date(request.appliedAt);
  const watchedSeconds = Math.max(
    MIN_WATCH_SECONDS,
    Math.round((now.getTime() - appliedAt.getTime()) / 1000),
  );
  const verdicts: WorkloadVerdict[] = [];
  for (const change of request.applied.filter((applied) => !applied.dryRun)) {
    const { workload } = change;
    const [before, after, cpuCores, memoryBytes] = await Promise.all([
      measure(prometheus, workload, watchedSeconds, appliedAt),
      measure(prometheus, workload, watchedSeconds, now),
      prometheus.scalarAt(requestsQuery(workload, 'cpu', watchedSeconds), now),
      prometheus.scalarAt(requestsQuery(workload, 'memory', watchedSeconds), now),
    ]);
    verdicts.push({
      workload,
      before,
      after,
      ...judgeWatch(before, after, request),
      observedRequests: {
        ...(cpuCores === undefined ? {} : { cpuCores }),
        ...(memoryBytes === undefined ? {} : { memoryBytes }),
      },
    });
  }
  return {
    evaluatedAt: now.toISOString(),
    watchedSeconds,
    verdicts,
    rollbackNeeded: verdicts.some((verdict) => verdict.rollback),
  };
}
