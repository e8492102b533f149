import { MIB } from '../../kubernetes/quantities.ts';
import { cpuMillicores } from '../apply/quantities.ts';
import {
  CONFIDENCE_LEVELS,
  type Resources,
  type UsageEvidence,
  type WorkloadKind,
} from '../recommendation.ts';
import type { RightsizingSettings } from './settings.ts';
import type { UsageStatistics } from './usage.ts';
import type { ScaledResource } from './workloads.ts';

/**
 * The right-sizing formula for one container (docs/cost.md has the why and the anchors):
 *
 *   CPU request    = max(floor, p95 over the history of the busiest pod's 5-minute CPU rate x (1 + cpuMargin))
 *   memory target  = peak working set + max(0, growth per second) x growth horizon, when that is
 *                    at least minMemoryGrowthRatio of the peak (growth: memoryGrowthPerSecond below)
 *                    after an OOM kill: max(target, current limit), bumped to max(+oomBumpBytes, x oomBumpFactor)
 *   memory request = max(floor, target x (1 + memoryRequestMargin))
 *   memory limit   = max(request, target x (1 + memoryLimitMargin))
 *   CPU limit      = unchanged, unless below the new request: then request x the old limit/request ratio
 *
 * Never for a resource an HPA scales on (its utilisation target is relative to the request: a new
 * request would change the scaling, not the waste), never with less history than minHistoryHours,
 * and a change under minChangeRatio keeps the current value (a rollout is not worth 3%).
 */
export interface ContainerInput {
  kind: WorkloadKind;
  current: Resources;
  hpaResources: readonly ScaledResource[];
  usage: UsageStatistics | undefined;
}

export interface FormulaContext {
  settings: RightsizingSettings;
  /** The end of the history (the queries' evaluation time). */
  at: Date;
  /** The history asked for. */
  historyHours: number;
  /** One recorded CPU sample in hours (RECORDING_INTERVAL): turns sample counts into pod-hours. */
  sampleHours: number;
}

export type ContainerOutcome =
  | { type: 'skipped'; reason: string }
  | {
      type: 'recommended';
      recommended: Resources;
      confidence: (typeof CONFIDENCE_LEVELS)[number];
      evidence: UsageEvidence;
      notes: string[];
      /**
       * Run-to-completion kinds: the average number of their pods running over the history (what
       * their saving is weighted by, instead of replicas). Undefined for long-running kinds.
       */
      averageRunningPods: number | undefined;
    };

const RUN_TO_COMPLETION: ReadonlySet<WorkloadKind> = new Set(['Job', 'CronJob', 'PrefectWorkPool']);

export function roundCpu(cores: number): number {
  return cpuMillicores(cores) / 1000;
}

export function roundMemory(bytes: number): number {
  return Math.ceil(bytes / MIB - 1e-9) * MIB;
}

function formatHours(hours: number): string {
  return `${Math.round(hours * 10) / 10}h`;
}

/** Hours from the first sample to `at`, within the asked history. */
export function observedHistoryHours(usage: UsageStatistics | undefined, context: FormulaContext): number {
  if (usage?.firstSeen === undefined) return 0;
  const hours = (context.at.getTime() / 1000 - usage.firstSeen) / 3600;
  return Math.max(0, Math.min(context.historyHours, hours));
}

function keepSmallChange(
  current: number | undefined,
  proposed: number,
  ratio: number,
  what: string,
  notes: string[],
): number {
  if (current === undefined || current === 0) return proposed;
  if (Math.abs(proposed - current) / current < ratio) {
    notes.push(`${what} kept: the change would be under ${Math.round(ratio * 100)}%`);
    return current;
  }
  return proposed;
}

function confidenceOf(historyHours: number, usage: UsageStatistics, settings: RightsizingSettings): number {
  let level = historyHours >= settings.fullConfidenceHistoryHours ? 2 : 1;
  const tail = usage.cpuP95 ? (usage.cpuP99 ?? usage.cpuP95) / usage.cpuP95 : 1;
  if (tail > settings.maxCpuTailRatio) level -= 1;
  // After an OOM kill the peak is censored at the old limit: the real demand is unknown.
  if ((usage.oomKilledPods ?? 0) >= 0.5) level -= 1;
  return Math.max(0, level);
}

/** Why a resource keeps its current values (an HPA scales on it, no usage of it), if it does. */
function whyUnchanged(
  input: ContainerInput,
  resource: ScaledResource,
  anchor: number | undefined,
): string | undefined {
  if (input.hpaResources.includes(resource)) return `an HorizontalPodAutoscaler scales on ${resource}`;
  if (anchor === undefined) return `no ${resource === 'cpu' ? 'CPU' : 'memory'} usage was recorded`;
  return undefined;
}

function recommendCpu(
  input: ContainerInput,
  usage: UsageStatistics,
  settings: RightsizingSettings,
  notes: string[],
) {
  const { current } = input;
  const unchanged = whyUnchanged(input, 'cpu', usage.cpuPercentile);
  if (unchanged) {
    notes.push(`CPU left as is: ${unchanged}`);
    return { request: current.requests.cpuCores, limit: current.limits.cpuCores };
  }
  const proposed = roundCpu(Math.max(settings.minCpuCores, usage.cpuPercentile! * (1 + settings.cpuMargin)));
  const request = keepSmallChange(
    current.requests.cpuCores,
    proposed,
    settings.minChangeRatio,
    'CPU request',
    notes,
  );
  let limit = current.limits.cpuCores;
  if (limit !== undefined && limit < request) {
    const ratio = current.requests.cpuCores ? Math.max(1, limit / current.requests.cpuCores) : 1;
    limit = roundCpu(request * ratio);
    notes.push('CPU limit raised with the request, keeping its ratio to the request');
  }
  return { request, limit };
}

/**
 * A long-running container's leak is the slope of its working set; a run-to-completion one starts
 * afresh each run, so its growth (a growing input) is the change between the peaks of the first and
 * the second half of the history.
 */
function memoryGrowthPerSecond(kind: WorkloadKind, usage: UsageStatistics, historyHours: number): number {
  if (!RUN_TO_COMPLETION.has(kind)) return usage.memoryGrowthPerSecond ?? 0;
  if (usage.memoryEarlyPeak === undefined || usage.memoryLatePeak === undefined) return 0;
  return (usage.memoryLatePeak - usage.memoryEarlyPeak) / ((historyHours / 2) * 3600);
}

function recommendMemory(
  input: ContainerInput,
  usage: UsageStatistics,
  context: FormulaContext,
  notes: string[],
) {
  const { current } = input;
  const { settings } = context;
  const unchanged = whyUnchanged(input, 'memory', usage.memoryPeak);
  if (unchanged || usage.memoryPeak === undefined) {
    notes.push(`memory left as is: ${unchanged}`);
    return { request: current.requests.memoryBytes, limit: current.limits.memoryBytes };
  }
  const slope = Math.max(0, memoryGrowthPerSecond(input.kind, usage, context.historyHours));
  const projected = slope * settings.memoryGrowthHorizonHours * 3600;
  const growth = projected >= settings.minMemoryGrowthRatio * usage.memoryPeak ? projected : 0;
  let target = usage.memoryPeak + growth;
  if (growth > 0) {
    notes.push(
      `memory grows about ${Math.round(growth / MIB)}Mi over ${formatHours(settings.memoryGrowthHorizonHours)}: projected into the target`,
    );
  }
  const oomKills = Math.round(usage.oomKilledPods ?? 0);
  if (oomKills > 0) {
    const censored = Math.max(target, current.limits.memoryBytes ?? 0);
    target = Math.max(censored + settings.oomBumpBytes, censored * settings.oomBumpFactor);
    notes.push(`${oomKills} pod(s) OOM-killed: the target is bumped above the old limit`);
  }
  const proposedRequest = roundMemory(
    Math.max(settings.minMemoryBytes, target * (1 + settings.memoryRequestMargin)),
  );
  const request = keepSmallChange(
    current.requests.memoryBytes,
    proposedRequest,
    settings.minChangeRatio,
    'memory request',
    notes,
  );
  const proposedLimit = roundMemory(Math.max(request, target * (1 + settings.memoryLimitMargin)));
  // An OOM-killed container must get a higher limit whatever the change ratio says.
  const limit =
    oomKills > 0
      ? proposedLimit
      : Math.max(
          request,
          keepSmallChange(
            current.limits.memoryBytes,
            proposedLimit,
            settings.minChangeRatio,
            'memory limit',
            notes,
          ),
        );
  return { request, limit };
}

function amounts(cpu: number | undefined, memory: number | undefined) {
  return {
    ...(cpu === undefined ? {} : { cpuCores: cpu }),
    ...(memory === undefined ? {} : { memoryBytes: memory }),
  };
}

export function recommendContainer(input: ContainerInput, context: FormulaContext): ContainerOutcome {
  const { usage } = input;
  const { settings } = context;
  const historyHours = observedHistoryHours(usage, context);
  if (!usage || historyHours < settings.minHistoryHours) {
    return {
      type: 'skipped',
      reason: `insufficient history: ${formatHours(historyHours)} of usage, at least ${formatHours(settings.minHistoryHours)} needed`,
    };
  }
  if (input.hpaResources.includes('cpu') && input.hpaResources.includes('memory')) {
    return { type: 'skipped', reason: 'an HorizontalPodAutoscaler scales on both cpu and memory' };
  }
  const notes: string[] = [];
  const cpu = recommendCpu(input, usage, settings, notes);
  const memory = recommendMemory(input, usage, context, notes);
  const podHours = (usage.podSamples ?? 0) * context.sampleHours;
  return {
    type: 'recommended',
    recommended: { requests: amounts(cpu.request, memory.request), limits: amounts(cpu.limit, memory.limit) },
    confidence: CONFIDENCE_LEVELS[confidenceOf(historyHours, usage, settings)]!,
    evidence: {
      historyHours: Math.round(historyHours * 10) / 10,
      cpuP95Cores: usage.cpuP95 ?? 0,
      cpuP99Cores: usage.cpuP99 ?? 0,
      cpuMaxCores: usage.cpuMax ?? 0,
      memoryP99Bytes: usage.memoryP99 ?? 0,
      memoryPeakBytes: usage.memoryPeak ?? 0,
      oomKills: Math.round(usage.oomKilledPods ?? 0),
      hpaResources: [...input.hpaResources],
    },
    notes,
    averageRunningPods: RUN_TO_COMPLETION.has(input.kind) ? podHours / historyHours : undefined,
  };
}
