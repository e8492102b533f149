import { mapConcurrent } from '../../backup/concurrency.ts';
import { type HttpJsonOptions, MonitoringApiError, requestJson } from '../../remediation/http-json.ts';
import { WORKLOAD_KINDS, type WorkloadKind, type WorkloadRef } from '../recommendation.ts';
import type { RightsizingSettings } from './settings.ts';
import {
  ANY_CONTAINER,
  STATISTICS,
  type Statistic,
  type UsageQueryScope,
  usageQueries,
} from './usage-queries.ts';

/**
 * Every statistic of every workload container, fetched from Prometheus in a few instant queries
 * over the recorded series (./usage-queries.ts) and merged here by (namespace, kind, workload, container).
 */
export type UsageStatistics = Partial<Record<Statistic, number>>;

export interface UsageSource {
  /** The statistics of every container seen over the scope's history, by usageKey(). */
  fetch(scope: UsageQueryScope, at: Date): Promise<Map<string, UsageStatistics>>;
}

export function usageKey(ref: Pick<WorkloadRef, 'namespace' | 'kind' | 'name' | 'container'>): string {
  return `${ref.namespace}/${ref.kind}/${ref.name}/${ref.container}`;
}

/** A container's statistics with its workload's pod-level ones; undefined when Prometheus has none. */
export function containerUsage(
  usage: ReadonlyMap<string, UsageStatistics>,
  ref: Pick<WorkloadRef, 'namespace' | 'kind' | 'name' | 'container'>,
): UsageStatistics | undefined {
  const own = usage.get(usageKey(ref));
  const workload = usage.get(usageKey({ ...ref, container: ANY_CONTAINER }));
  return own || workload ? { ...workload, ...own } : undefined;
}

interface VectorAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

const KNOWN_KINDS: ReadonlySet<string> = new Set(WORKLOAD_KINDS);
const KNOWN_STATISTICS: ReadonlySet<string> = new Set(STATISTICS);

export function prometheusUsageSource(
  prometheusUrl: string,
  settings: Pick<RightsizingSettings, 'cpuPercentile' | 'queryTimeoutSeconds' | 'queryConcurrency'>,
  fetch?: HttpJsonOptions['fetch'],
): UsageSource {
  const root = prometheusUrl.replace(/\/+$/, '');
  return {
    async fetch(scope, at) {
      const queries = usageQueries(scope, settings);
      const answers = await mapConcurrent(queries, settings.queryConcurrency, async (query) => {
        const url = new URL(`${root}/api/v1/query`);
        url.searchParams.set('query', query);
        url.searchParams.set('time', String(at.getTime() / 1000));
        url.searchParams.set('timeout', `${settings.queryTimeoutSeconds}s`);
        const answer = await requestJson<VectorAnswer>('right-sizing usage statistics', url.toString(), {
          fetch,
          // Prometheus stops the query at its own timeout; give its error a moment to arrive.
          timeoutMs: settings.queryTimeoutSeconds * 1000 + 5_000,
        });
        if (answer?.status !== 'success' || answer.data?.resultType !== 'vector') {
          throw new MonitoringApiError(
            `Prometheus could not evaluate the right-sizing statistics: ${answer?.error ?? `result type ${answer?.data?.resultType}`}`,
            { query },
          );
        }
        return answer.data.result;
      });
      const usage = new Map<string, UsageStatistics>();
      for (const { metric, value } of answers.flat()) {
        const kind = metric.workload_kind;
        const statistic = metric.statistic as Statistic | undefined;
        if (!kind || !KNOWN_KINDS.has(kind) || !metric.namespace || !metric.workload) continue;
        if (!statistic || !KNOWN_STATISTICS.has(statistic)) continue;
        const number = Number(value[1]);
        if (!Number.isFinite(number)) continue;
        const key = usageKey({
          namespace: metric.namespace,
          kind: kind as WorkloadKind,
          name: metric.workload,
          // Pod-level statistics (firstSeen) hold for every container of the workload.
          container: metric.container ?? ANY_CONTAINER,
        });
        const statistics = usage.get(key) ?? {};
        statistics[statistic] = number;
        // The configured percentile is not asked for twice when it is the 95th.
        if (statistic === 'cpuP95' && settings.cpuPercentile === 0.95) statistics.cpuPercentile = number;
        usage.set(key, statistics);
      }
      return usage;
    },
  };
}
