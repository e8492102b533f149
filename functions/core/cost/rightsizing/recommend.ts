import { type CostPricing, monthlySavingUsd, type ResourcePrices, resourcePrices } from '../pricing.ts';
import type { Recommendation, Resources } from '../recommendation.ts';
import { type ContainerOutcome, recommendContainer } from './formula.ts';
import type { RightsizingSettings } from './settings.ts';
import { containerUsage, type UsageSource, type UsageStatistics } from './usage.ts';
import type { DiscoveredWorkload, SkippedWorkload, WorkloadSource } from './workloads.ts';

/**
 * Right-sizing recommendations for every workload container the sources discover: the usage of
 * all of them in one set of Prometheus queries, the formula (./formula.ts) per container, and the
 * monthly saving priced on the node pool the workload runs on (../pricing.ts).
 */
export interface RightsizingRequest {
  historyDays: number;
  /** Only these namespaces; all when empty. */
  namespaces: readonly string[];
  /** The end of the history (now, in the Lambda). */
  at: Date;
}

export interface RightsizingDependencies {
  workloads: readonly WorkloadSource[];
  usage: UsageSource;
  pricing: CostPricing;
  settings: RightsizingSettings;
}

export interface RightsizingResult {
  generatedAt: string;
  historyDays: number;
  /** Largest saving first. */
  recommendations: Recommendation[];
  skipped: SkippedWorkload[];
}

const HOURS_PER_DAY = 24;

function sameResources(a: Resources, b: Resources): boolean {
  const same = (x: Resources['requests'], y: Resources['requests']) =>
    x.cpuCores === y.cpuCores && x.memoryBytes === y.memoryBytes;
  return same(a.requests, b.requests) && same(a.limits, b.limits);
}

function pricesFor(pricing: CostPricing, workload: DiscoveredWorkload): ResourcePrices | string {
  const pool = workload.pool ?? pricing.defaultPool;
  if (!(pool in pricing.pools)) return `node pool ${pool} has no price in COST_PRICING: saving not computed`;
  return resourcePrices(pricing, pool);
}

export async function recommendRightsizing(
  request: RightsizingRequest,
  dependencies: RightsizingDependencies,
): Promise<RightsizingResult> {
  const { settings, pricing } = dependencies;
  const historyHours = request.historyDays * HOURS_PER_DAY;
  const [usage, ...discoveries] = await Promise.all([
    dependencies.usage.fetch({ historyHours, namespaces: request.namespaces }, request.at),
    ...dependencies.workloads.map((source) => source.discover(request.namespaces)),
  ]);
  const context = {
    settings,
    at: request.at,
    historyHours,
    sampleHours: settings.recordingIntervalSeconds / 3600,
  };
  const recommendations: Recommendation[] = [];
  const skipped: SkippedWorkload[] = discoveries.flatMap((discovery) => discovery.skipped);

  for (const workload of discoveries.flatMap((discovery) => discovery.workloads)) {
    const ref = { namespace: workload.namespace, kind: workload.kind, name: workload.name };
    const prices = pricesFor(pricing, workload);
    for (const container of workload.containers) {
      const stats: UsageStatistics | undefined = containerUsage(usage, { ...ref, container: container.name });
      const outcome: ContainerOutcome = recommendContainer(
        {
          kind: workload.kind,
          current: container.current,
          hpaResources: container.hpaResources,
          usage: stats,
        },
        context,
      );
      if (outcome.type === 'skipped') {
        skipped.push({ ...ref, container: container.name, reason: outcome.reason });
        continue;
      }
      if (sameResources(outcome.recommended, container.current)) {
        skipped.push({ ...ref, container: container.name, reason: 'already right-sized' });
        continue;
      }
      const notes = [...outcome.notes];
      const weight = outcome.averageRunningPods ?? workload.replicas;
      if (outcome.averageRunningPods !== undefined) {
        notes.push(`saving weighted by ${Math.round(weight * 1000) / 1000} pods running on average`);
      }
      if (typeof prices === 'string') notes.push(prices);
      recommendations.push({
        workload: { ...ref, container: container.name },
        replicas: outcome.averageRunningPods === undefined ? workload.replicas : 1,
        current: container.current,
        recommended: outcome.recommended,
        confidence: outcome.confidence,
        evidence: outcome.evidence,
        monthlySavingUsd:
          typeof prices === 'string'
            ? 0
            : Math.round(
                monthlySavingUsd(container.current.requests, outcome.recommended.requests, weight, prices) *
                  100,
              ) / 100,
        notes,
      });
    }
  }
  recommendations.sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd);
  return {
    generatedAt: request.at.toISOString(),
    historyDays: request.historyDays,
    recommendations,
    skipped,
  };
}
