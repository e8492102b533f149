/**
 * Synthetic container usage for right-sizing: the drill, the tests and bench/cost. A catalogue of
 * workloads with usage profiles (diurnal pattern, noise, CPU and memory spikes, memory that grows,
 * limits that OOM-kill), turned into the series a real cluster exposes (cAdvisor:
 * container_cpu_usage_seconds_total, container_memory_working_set_bytes; kube-state-metrics:
 * kube_pod_owner, kube_job_owner, kube_pod_labels, kube_pod_created, restarts and termination
 * reasons) plus what right-sizing's recording rules record from them, written as OpenMetrics one
 * day per file and backfilled with `promtool tsdb create-blocks-from openmetrics
 * --max-block-duration=24h` into a Prometheus data directory; then a real Prometheus (the Debian
 * binary) serves it.
 *
 * Everything is a pure function of (seed, workload, pod, time): usage at any instant can be
 * recomputed (bench/cost scores week two against the very demand the series were made of), and
 * the same catalogue always gives the same series. Usage is computed minute by minute.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { POOL_LABEL } from '../../cluster-manifests/src/scheduling.ts';
import type { Resources, WorkloadKind } from '../../functions/core/cost/recommendation.ts';
import { RECORDING_INTERVAL_SECONDS, RECORDS } from '../../functions/core/cost/rightsizing/usage-queries.ts';
import { ensureSystemBinaries, PROMETHEUS, PROMTOOL } from '../system/debian-packages.ts';
import { freePort } from '../system/free-port.ts';
import { startLoopbackProcess } from '../system/loopback-process.ts';

const MIB = 2 ** 20;
const DAY_SECONDS = 86_400;

export interface CpuProfile {
  baseCores: number;
  /** Day/night swing as a fraction of the base (0.6: +-60%, peak mid-afternoon UTC). */
  diurnalAmplitude: number;
  /** Standard deviation of the noise, as a fraction of the current level. */
  noise: number;
  /** Chance that a 10-minute slot is a spike, and how much the level is multiplied by then. */
  spikeChance: number;
  spikeFactor: number;
}

export interface MemoryProfile {
  baseBytes: number;
  diurnalAmplitude: number;
  noise: number;
  /** Growth per day as a fraction of the base (a leak; 0 for a steady workload). */
  growthPerDay: number;
  spikeChance: number;
  spikeFactor: number;
}

export interface SyntheticContainer {
  name: string;
  /** What the workload asks for today; a memory limit below the demand's peaks OOM-kills it. */
  current: Resources;
  cpu: CpuProfile;
  memory: MemoryProfile;
}

export interface SyntheticWorkload {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  /** Pods at once (Deployments, StatefulSets). */
  replicas: number;
  /** Its `lakehouse-ops.io/pool`. */
  pool: string;
  containers: SyntheticContainer[];
  /** Run-to-completion kinds: a run every `everyMinutes`, each lasting `durationMinutes`. */
  schedule?: { everyMinutes: number; durationMinutes: number };
  /** Seconds after the history's start when it first runs (a new workload has a short history). */
  startsAfterSeconds?: number;
  /** Resources an HorizontalPodAutoscaler scales it on. */
  hpaResources?: ('cpu' | 'memory')[];
}

export interface SyntheticPod {
  name: string;
  workload: SyntheticWorkload;
  /** Replica index, or run number. */
  index: number;
  /** Epoch seconds: alive in [start, end). */
  start: number;
  end: number;
  /** The Job that owns it (run-to-completion kinds). */
  job?: string;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: a hash of (seed, number) instead of a stream, so that any instant's
// value is computable alone. Seeds are hashed from names once; samples mix in numbers only.

/** FNV-1a of a text, for seeds. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    h ^= text.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A well-mixed 32-bit hash of (seed, value) (murmur3's finaliser). */
function mix(seed: number, value: number): number {
  let h = Math.imul((seed ^ value) >>> 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1). */
function uniform(seed: number, value: number): number {
  return mix(seed, value) / 2 ** 32;
}

/** Standard normal (Box-Muller over two hashes). */
function gaussian(seed: number, value: number): number {
  const u = Math.max(uniform(seed, value), 1e-12);
  const v = uniform(mix(seed, 0x5bd1e995), value);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Uniform in [0, 1) from names, for drawing a catalogue. */
function draw(...parts: (number | string)[]): number {
  return uniform(seedOf(parts.join('/')), 0);
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(length: number, ...parts: (number | string)[]): string {
  const seed = seedOf(parts.join('/'));
  let text = '';
  for (let index = 0; index < length; index += 1) {
    text += SUFFIX_ALPHABET[mix(seed, index) % SUFFIX_ALPHABET.length];
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Demand

const SPIKE_SLOT_SECONDS = 600;
const MEMORY_NOISE_SECONDS = 300;

function diurnal(t: number): number {
  // Peak at 15:00 UTC, trough at 03:00.
  return Math.sin((2 * Math.PI * ((t % DAY_SECONDS) / 3600 - 9)) / 24);
}

export interface Demand {
  cpuCores: number;
  memoryBytes: number;
}

/**
 * What the container of `pod` would use at epoch second `t`, unconstrained by any limit: the
 * series are made of it (the working set cut at the limit), and bench/cost evaluates against it.
 */
export function demandOf(
  pod: SyntheticPod,
  container: SyntheticContainer,
  historyStart: number,
): (t: number) => Demand {
  const key = `${pod.workload.namespace}/${pod.name}/${container.name}`;
  const seeds = {
    cpu: seedOf(`${key}/cpu`),
    cpuSpike: seedOf(`${key}/cpu-spike`),
    memory: seedOf(`${key}/memory`),
    memorySpike: seedOf(`${key}/memory-spike`),
  };
  const { cpu, memory } = container;
  return (t) => {
    const slot = Math.floor(t / SPIKE_SLOT_SECONDS);
    let cpuLevel = cpu.baseCores * (1 + cpu.diurnalAmplitude * diurnal(t));
    cpuLevel *= 1 + cpu.noise * gaussian(seeds.cpu, t);
    if (cpu.spikeChance > 0 && uniform(seeds.cpuSpike, slot) < cpu.spikeChance) cpuLevel *= cpu.spikeFactor;
    const days = (t - historyStart) / DAY_SECONDS;
    let memoryLevel =
      memory.baseBytes * (1 + memory.growthPerDay * days + memory.diurnalAmplitude * diurnal(t));
    memoryLevel *= 1 + memory.noise * gaussian(seeds.memory, Math.floor(t / MEMORY_NOISE_SECONDS));
    if (memory.spikeChance > 0 && uniform(seeds.memorySpike, slot) < memory.spikeChance) {
      memoryLevel *= memory.spikeFactor;
    }
    return { cpuCores: Math.max(0.0005, cpuLevel), memoryBytes: Math.max(4 * MIB, memoryLevel) };
  };
}

// ---------------------------------------------------------------------------------------------
// Pods

/** The pods of `workload` alive at some point in [from, to) (epoch seconds). */
export function podsOf(
  workload: SyntheticWorkload,
  historyStart: number,
  from: number,
  to: number,
): SyntheticPod[] {
  const first = historyStart + (workload.startsAfterSeconds ?? 0);
  const { schedule } = workload;
  if (!schedule) {
    if (first >= to) return [];
    const start = first;
    const end = Number.POSITIVE_INFINITY;
    const replicaSetHash = suffix(9, workload.namespace, workload.name, 'rs');
    return Array.from({ length: workload.replicas }, (_, index) => ({
      name:
        workload.kind === 'StatefulSet'
          ? `${workload.name}-${index}`
          : `${workload.name}-${replicaSetHash}-${suffix(5, workload.name, 'pod', index)}`,
      workload,
      index,
      start,
      end,
    }));
  }
  const every = schedule.everyMinutes * 60;
  const duration = schedule.durationMinutes * 60;
  const pods: SyntheticPod[] = [];
  const firstRun = Math.max(0, Math.ceil((Math.max(from - duration, first) - first) / every));
  for (let run = firstRun; first + run * every < to; run += 1) {
    const start = first + run * every;
    if (workload.kind === 'Job' && run > 0) break;
    const job =
      workload.kind === 'CronJob'
        ? `${workload.name}-${Math.floor(start / 60)}`
        : workload.kind === 'PrefectWorkPool'
          ? `flow-run-${suffix(8, workload.name, 'run', run)}`
          : workload.name;
    pods.push({
      name: `${job}-${suffix(5, job, 'pod')}`,
      workload,
      index: run,
      start,
      end: start + duration,
      job,
    });
  }
  return pods;
}

// ---------------------------------------------------------------------------------------------
// Samples of one pod over one day

interface ContainerDay {
  container: SyntheticContainer;
  times: Float64Array;
  /** Cumulative CPU seconds (the cAdvisor counter). */
  cpuSeconds: Float64Array;
  /** rate() of the counter over RATE_WINDOW_SECONDS at each sample (NaN: fewer than two samples). */
  cpuRate: Float64Array;
  /** max_over_time() of the working set over RATE_WINDOW_SECONDS at each sample. */
  workingSetPeak: Float64Array;
  workingSet: Float64Array;
  restarts: Uint32Array;
  /** Whether the last termination so far was an OOM kill (restarted containers). */
  lastOomKilled: Uint8Array;
  /** A run-to-completion container ended by an OOM kill: terminated from then on. */
  terminatedByOom: boolean;
}

interface CarriedState {
  cpuSeconds: number;
  restarts: number;
  lastOomKilled: boolean;
  terminatedAt?: number;
  /** The samples (time, counter) of the last rate window, carried into the next period. */
  recent: [number, number][];
  /** The samples (time, working set) of the last window, carried into the next period. */
  recentWorkingSet: [number, number][];
}

/** The recording rule's rate window over a 1-minute scrape. */
export const RATE_WINDOW_SECONDS = 300;

/**
 * Prometheus 2's rate() of a counter without resets over the window ending at `end` (its
 * extrapolatedRate): the increase between the first and last samples in the window, extrapolated
 * towards the window's edges by at most half a sampling interval where samples stop short of them.
 */
export function prometheusRate(samples: readonly [number, number][], end: number, window: number): number {
  if (samples.length < 2) return Number.NaN;
  const [firstTime, firstValue] = samples[0]!;
  const [lastTime, lastValue] = samples[samples.length - 1]!;
  const sampled = lastTime - firstTime;
  const average = sampled / (samples.length - 1);
  const delta = lastValue - firstValue;
  let toStart = firstTime - (end - window);
  const toEnd = end - lastTime;
  // A counter cannot have been below zero: no extrapolation past the point where it would be.
  if (delta > 0 && firstValue >= 0) toStart = Math.min(toStart, sampled * (firstValue / delta));
  const threshold = average * 1.1;
  const extrapolated =
    sampled + (toStart < threshold ? toStart : average / 2) + (toEnd < threshold ? toEnd : average / 2);
  return (delta * (extrapolated / sampled)) / window;
}

function containerDay(
  pod: SyntheticPod,
  container: SyntheticContainer,
  from: number,
  to: number,
  sampleSeconds: number,
  historyStart: number,
  carried: CarriedState,
): ContainerDay {
  const begin = Math.max(from, Math.ceil(pod.start / sampleSeconds) * sampleSeconds);
  const finish = Math.min(to, pod.end, carried.terminatedAt ?? Number.POSITIVE_INFINITY);
  const count = Math.max(0, Math.ceil((finish - begin) / sampleSeconds));
  const day: ContainerDay = {
    container,
    times: new Float64Array(count),
    cpuSeconds: new Float64Array(count),
    cpuRate: new Float64Array(count),
    workingSetPeak: new Float64Array(count),
    workingSet: new Float64Array(count),
    restarts: new Uint32Array(count),
    lastOomKilled: new Uint8Array(count),
    terminatedByOom: false,
  };
  const limit = container.current.limits.memoryBytes;
  const runToCompletion = pod.job !== undefined;
  const demandAt = demandOf(pod, container, historyStart);
  for (let index = 0; index < count; index += 1) {
    const t = begin + index * sampleSeconds;
    const demand = demandAt(t);
    carried.cpuSeconds += demand.cpuCores * sampleSeconds;
    let workingSet = demand.memoryBytes;
    if (limit !== undefined && workingSet > limit) {
      // The kernel kills the container at its limit: the working set never shows more.
      workingSet = limit;
      if (runToCompletion) {
        carried.terminatedAt = t + sampleSeconds;
        day.terminatedByOom = true;
      } else {
        carried.restarts += 1;
        carried.lastOomKilled = true;
      }
    }
    day.times[index] = t;
    day.cpuSeconds[index] = carried.cpuSeconds;
    // Prometheus 2's range selectors include the window's start (3 made them left-open).
    carried.recent.push([t, carried.cpuSeconds]);
    while (carried.recent[0]![0] < t - RATE_WINDOW_SECONDS) carried.recent.shift();
    day.cpuRate[index] = prometheusRate(carried.recent, t, RATE_WINDOW_SECONDS);
    carried.recentWorkingSet.push([t, workingSet]);
    while (carried.recentWorkingSet[0]![0] < t - RATE_WINDOW_SECONDS) carried.recentWorkingSet.shift();
    day.workingSetPeak[index] = Math.max(...carried.recentWorkingSet.map(([, value]) => value));
    day.workingSet[index] = workingSet;
    day.restarts[index] = carried.restarts;
    day.lastOomKilled[index] = carried.lastOomKilled ? 1 : 0;
    if (day.terminatedByOom) return { ...day, ...truncate(day, index + 1) };
  }
  return day;
}

function truncate(day: ContainerDay, length: number) {
  return {
    times: day.times.subarray(0, length),
    cpuSeconds: day.cpuSeconds.subarray(0, length),
    cpuRate: day.cpuRate.subarray(0, length),
    workingSetPeak: day.workingSetPeak.subarray(0, length),
    workingSet: day.workingSet.subarray(0, length),
    restarts: day.restarts.subarray(0, length),
    lastOomKilled: day.lastOomKilled.subarray(0, length),
  };
}

// ---------------------------------------------------------------------------------------------
// OpenMetrics

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(
      ([name, value]) =>
        `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

interface Writer {
  write(text: string): Promise<void>;
}

function fileWriter(path: string): Writer & { close(): Promise<void> } {
  const stream = createWriteStream(path);
  return {
    async write(text) {
      if (!stream.write(text)) await once(stream, 'drain');
    },
    close: () =>
      new Promise((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
  };
}

interface PodDay {
  pod: SyntheticPod;
  containers: ContainerDay[];
}

const KSM = { job: 'kube-state-metrics' };
const CADVISOR = { job: 'kubelet-cadvisor' };
/** A finished pod's object stays this long (a Job's pod until its cleanup). */
const OBJECT_TAIL_SECONDS = 300;

async function writeSeries(
  writer: Writer,
  name: string,
  labels: Record<string, string>,
  times: ArrayLike<number>,
  value: (index: number) => string | undefined,
  everySeconds = 1,
): Promise<void> {
  const prefix = `${name}{${labelText(labels)}} `;
  let chunk = '';
  for (let index = 0; index < times.length; index += 1) {
    if (times[index]! % everySeconds !== 0) continue;
    const text = value(index);
    if (text !== undefined) chunk += `${prefix}${text} ${times[index]}\n`;
  }
  if (chunk) await writer.write(chunk);
}

/** Scrapes of a pod's kube-state-metrics series: from its first container sample to a little after its end. */
function objectTimes(pod: SyntheticPod, from: number, to: number, step: number): number[] {
  const times: number[] = [];
  const begin = Math.max(from, Math.ceil(pod.start / step) * step);
  const end = Math.min(to, pod.end + OBJECT_TAIL_SECONDS);
  for (let t = begin; t < end; t += step) times.push(t);
  return times;
}

function podOwner(pod: SyntheticPod): { owner_kind: string; owner_name: string } {
  const { workload } = pod;
  if (pod.job) return { owner_kind: 'Job', owner_name: pod.job };
  if (workload.kind === 'StatefulSet') return { owner_kind: 'StatefulSet', owner_name: workload.name };
  return { owner_kind: 'ReplicaSet', owner_name: pod.name.slice(0, pod.name.lastIndexOf('-')) };
}

async function writeDay(
  writer: Writer,
  podDays: PodDay[],
  from: number,
  to: number,
  sampleSeconds: number,
): Promise<void> {
  const podLabels = (pod: SyntheticPod) => ({ namespace: pod.workload.namespace, pod: pod.name });
  const family = async (
    name: string,
    type: 'counter' | 'gauge',
    each: (podDay: PodDay, container: ContainerDay) => Promise<void>,
  ) => {
    await writer.write(`# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}\n`);
    for (const podDay of podDays) for (const container of podDay.containers) await each(podDay, container);
  };
  const containerLabels = (pod: SyntheticPod, container: ContainerDay, extra: Record<string, string>) => ({
    ...extra,
    ...podLabels(pod),
    container: container.container.name,
  });
  /** A family with one series per container, written every `sampleSeconds`. */
  const containerFamily = (
    name: string,
    type: 'counter' | 'gauge',
    extra: Record<string, string>,
    value: (container: ContainerDay, index: number) => string | undefined,
  ) =>
    family(name, type, ({ pod }, container) =>
      writeSeries(
        writer,
        name,
        containerLabels(pod, container, extra),
        container.times,
        (index) => value(container, index),
        sampleSeconds,
      ),
    );
  await containerFamily('container_cpu_usage_seconds_total', 'counter', CADVISOR, (container, i) =>
    container.cpuSeconds[i]!.toFixed(6),
  );
  await containerFamily('container_memory_working_set_bytes', 'gauge', CADVISOR, (container, i) =>
    String(Math.round(container.workingSet[i]!)),
  );
  await containerFamily('kube_pod_container_status_restarts_total', 'counter', KSM, (container, i) =>
    String(container.restarts[i]),
  );
  await containerFamily(
    'kube_pod_container_status_last_terminated_reason',
    'gauge',
    { ...KSM, reason: 'OOMKilled' },
    (container, i) => (container.lastOomKilled[i] ? '1' : undefined),
  );
  await family('kube_pod_container_status_terminated_reason', 'gauge', async ({ pod }, container) => {
    if (!container.terminatedByOom) return;
    const last = container.times[container.times.length - 1] ?? from;
    const times = objectTimes({ ...pod, start: last, end: last }, from, to, sampleSeconds);
    await writeSeries(
      writer,
      'kube_pod_container_status_terminated_reason',
      containerLabels(pod, container, { ...KSM, reason: 'OOMKilled' }),
      times,
      () => '1',
    );
  });
  const objectFamily = async (
    name: string,
    series: (pod: SyntheticPod) => Record<string, string> | undefined,
  ) => {
    await writer.write(`# TYPE ${name} gauge\n`);
    const seen = new Set<string>();
    for (const { pod } of podDays) {
      const labels = series(pod);
      if (!labels) continue;
      const text = labelText(labels);
      if (seen.has(text)) continue;
      seen.add(text);
      await writeSeries(writer, name, labels, objectTimes(pod, from, to, sampleSeconds), () => '1');
    }
  };
  await writer.write('# TYPE kube_pod_created gauge\n');
  for (const { pod } of podDays) {
    await writeSeries(
      writer,
      'kube_pod_created',
      { ...KSM, ...podLabels(pod) },
      objectTimes(pod, from, to, sampleSeconds),
      () => String(pod.start),
    );
  }
  await objectFamily('kube_pod_owner', (pod) => ({
    ...KSM,
    ...podLabels(pod),
    ...podOwner(pod),
    owner_is_controller: 'true',
  }));
  await objectFamily('kube_job_owner', (pod) =>
    pod.job && pod.workload.kind === 'CronJob'
      ? {
          ...KSM,
          namespace: pod.workload.namespace,
          job_name: pod.job,
          owner_kind: 'CronJob',
          owner_name: pod.workload.name,
          owner_is_controller: 'true',
        }
      : undefined,
  );
  await objectFamily('kube_pod_labels', (pod) =>
    pod.workload.kind === 'PrefectWorkPool'
      ? { ...KSM, ...podLabels(pod), label_prefect_io_work_pool_name: pod.workload.name }
      : undefined,
  );
  await writeRecords(writer, podDays, to);
  await writer.write('# EOF\n');
}

interface RecordRow {
  cpu: number;
  memory: number;
  pods: number;
  oomKilledPods: number;
}

/**
 * What right-sizing's recording rules (rightsizingRecordingRules()) record from these series, every
 * RECORDING_INTERVAL: per workload container, the busiest pod's CPU rate and working-set peak, the
 * pods running, the pods OOM-killed; per workload, the oldest pod's creation time. Written with the
 * raw series so that each day is one block (rules backfilled by promtool come as hundreds of
 * 2-hour blocks that Prometheus then spends minutes compacting). A finished pod stays in the CPU,
 * memory and pod records while its last samples are in a rule's 5-minute window, as it does for the
 * rule; only the pod -> workload map's own lookback (which keeps kube-state-metrics' objects of a
 * finished pod for a few minutes more) is not followed into the creation-time record.
 */
async function writeRecords(writer: Writer, podDays: PodDay[], to: number): Promise<void> {
  const rows = new Map<string, { labels: Record<string, string>; byTime: Map<number, RecordRow> }>();
  const created = new Map<string, { labels: Record<string, string>; byTime: Map<number, number> }>();
  for (const { pod, containers } of podDays) {
    const workload = {
      namespace: pod.workload.namespace,
      workload_kind: pod.workload.kind,
      workload: pod.workload.name,
    };
    const workloadKey = labelText(workload);
    const createdSeries = created.get(workloadKey) ?? { labels: workload, byTime: new Map<number, number>() };
    created.set(workloadKey, createdSeries);
    for (const day of containers) {
      const labels = { ...workload, container: day.container.name };
      const key = labelText(labels);
      const series = rows.get(key) ?? { labels, byTime: new Map<number, RecordRow>() };
      rows.set(key, series);
      const record = (t: number, rate: number, peak: number, oomKilled: boolean) => {
        const row = series.byTime.get(t) ?? {
          cpu: Number.NEGATIVE_INFINITY,
          memory: 0,
          pods: 0,
          oomKilledPods: 0,
        };
        if (!Number.isNaN(rate)) {
          row.cpu = Math.max(row.cpu, rate);
          row.pods += 1;
        }
        row.memory = Math.max(row.memory, peak);
        if (oomKilled) row.oomKilledPods += 1;
        series.byTime.set(t, row);
        createdSeries.byTime.set(
          t,
          Math.min(createdSeries.byTime.get(t) ?? Number.POSITIVE_INFINITY, pod.start),
        );
      };
      const last = day.times.length - 1;
      for (let index = 0; index <= last; index += 1) {
        const t = day.times[index]!;
        if (t % RECORDING_INTERVAL_SECONDS !== 0) continue;
        const killedNow = day.terminatedByOom && index === last;
        record(
          t,
          day.cpuRate[index]!,
          day.workingSetPeak[index]!,
          day.lastOomKilled[index] === 1 || killedNow,
        );
      }
      // A finished container's last samples stay in a rule's 5-minute windows a little longer.
      if (last >= 0 && (pod.end < to || day.terminatedByOom)) {
        const end = day.times[last]!;
        for (
          let t = Math.floor(end / RECORDING_INTERVAL_SECONDS + 1) * RECORDING_INTERVAL_SECONDS;
          t <= end + RATE_WINDOW_SECONDS && t < to;
          t += RECORDING_INTERVAL_SECONDS
        ) {
          const window: [number, number][] = [];
          let peak = 0;
          for (let index = 0; index <= last; index += 1) {
            if (day.times[index]! < t - RATE_WINDOW_SECONDS) continue;
            window.push([day.times[index]!, day.cpuSeconds[index]!]);
            peak = Math.max(peak, day.workingSet[index]!);
          }
          if (window.length === 0) continue;
          record(
            t,
            prometheusRate(window, t, RATE_WINDOW_SECONDS),
            peak,
            day.lastOomKilled[last] === 1 || day.terminatedByOom,
          );
        }
      }
    }
  }
  const family = async (name: string, value: (row: RecordRow) => string | undefined) => {
    await writer.write(`# TYPE ${name} gauge\n`);
    for (const { labels, byTime } of rows.values()) {
      const times = [...byTime.keys()].sort((a, b) => a - b);
      await writeSeries(writer, name, labels, times, (index) => value(byTime.get(times[index]!)!));
    }
  };
  await family(RECORDS.cpu, (row) => (row.pods > 0 ? row.cpu.toPrecision(12) : undefined));
  await family(RECORDS.memory, (row) => String(Math.round(row.memory)));
  await family(RECORDS.pods, (row) => (row.pods > 0 ? String(row.pods) : undefined));
  await family(RECORDS.oomKilledPods, (row) =>
    row.oomKilledPods > 0 ? String(row.oomKilledPods) : undefined,
  );
  await writer.write(`# TYPE ${RECORDS.created} gauge\n`);
  for (const { labels, byTime } of created.values()) {
    const times = [...byTime.keys()].sort((a, b) => a - b);
    await writeSeries(writer, RECORDS.created, labels, times, (index) => String(byTime.get(times[index]!)));
  }
}

// ---------------------------------------------------------------------------------------------
// Backfill

export interface UsageHistoryOptions {
  workloads: readonly SyntheticWorkload[];
  /** The history's first instant. */
  start: Date;
  days: number;
  /**
   * Seconds between two written samples of the container series (default 60: a 1-minute scrape
   * and rule interval). Usage is always computed minute by minute; a coarser interval only writes
   * fewer samples (bench/cost uses 300 for 2,000 workloads, whose 1-minute history would take
   * promtool most of an hour to ingest here).
   */
  sampleSeconds?: number;
}

/** Usage is computed at this resolution whatever is written: a 1-minute scrape. */
export const USAGE_RESOLUTION_SECONDS = 60;

export interface UsageHistory {
  /** A Prometheus data directory holding the backfilled blocks. */
  dataDirectory: string;
  /** Holds dataDirectory; removeUsageHistory() deletes it. */
  directory: string;
  /** Samples written, all series together. */
  samples: number;
}

const execFileAsync = promisify(execFile);

/**
 * The TSDB block range the history is cut into: Prometheus' 18-hour level (2h x 3 x 3), aligned as
 * Prometheus aligns it (to multiples since the epoch). promtool cuts its input at these boundaries
 * whatever --max-block-duration=24h says (it picks the largest level under it), so a file per day
 * would give two files' blocks over the same 18 hours: overlapping blocks, merged at every query
 * until Prometheus compacts them. A file per period gives one block per period, and no overlap.
 */
export const BLOCK_SECONDS = 18 * 3600;

/**
 * Visits the samples of every pod, period by period (BLOCK_SECONDS, the first and last cut at the
 * history's edges), carrying the counters from one period to the next: what the OpenMetrics writer
 * and bench/cost (which needs the same numbers) both walk.
 */
export function* usagePeriods(
  options: UsageHistoryOptions,
): Generator<{ from: number; to: number; podDays: PodDay[] }> {
  const sampleSeconds = USAGE_RESOLUTION_SECONDS;
  const historyStart = Math.floor(options.start.getTime() / 1000);
  const historyEnd = historyStart + options.days * DAY_SECONDS;
  const carried = new Map<string, CarriedState>();
  for (let from = historyStart; from < historyEnd; ) {
    const to = Math.min(historyEnd, (Math.floor(from / BLOCK_SECONDS) + 1) * BLOCK_SECONDS);
    const podDays: PodDay[] = [];
    const alive = new Set<string>();
    for (const workload of options.workloads) {
      for (const pod of podsOf(workload, historyStart, from, to)) {
        const containers = workload.containers.map((container) => {
          const key = `${workload.namespace}/${pod.name}/${container.name}`;
          const state = carried.get(key) ?? {
            cpuSeconds: 0,
            restarts: 0,
            lastOomKilled: false,
            recent: [],
            recentWorkingSet: [],
          };
          carried.set(key, state);
          alive.add(key);
          return containerDay(pod, container, from, to, sampleSeconds, historyStart, state);
        });
        podDays.push({ pod, containers });
      }
    }
    // Finished runs need no carried state any more.
    for (const key of carried.keys()) if (!alive.has(key)) carried.delete(key);
    yield { from, to, podDays };
    from = to;
  }
}

/**
 * Writes the history as one OpenMetrics file per period (BLOCK_SECONDS) and backfills each into
 * `dataDirectory` with promtool, two at a time: one block per period, none overlapping.
 */
export async function backfillUsageHistory(options: UsageHistoryOptions): Promise<UsageHistory> {
  ensureSystemBinaries([PROMTOOL]);
  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-usage-'));
  const dataDirectory = join(directory, 'data');
  await mkdir(dataDirectory);
  let samples = 0;
  const running = new Set<Promise<void>>();
  try {
    for (const { from, to, podDays } of usagePeriods(options)) {
      const file = join(directory, `usage-${from}.om`);
      const writer = fileWriter(file);
      await writeDay(writer, podDays, from, to, options.sampleSeconds ?? USAGE_RESOLUTION_SECONDS);
      await writer.close();
      samples += podDays.reduce(
        (sum, podDay) =>
          sum +
          podDay.containers.reduce((n, c) => n + c.times.length * 4, 0) /
            ((options.sampleSeconds ?? USAGE_RESOLUTION_SECONDS) / USAGE_RESOLUTION_SECONDS),
        0,
      );
      const backfill = execFileAsync(
        'promtool',
        ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', file, dataDirectory],
        { maxBuffer: 16 * MIB },
      )
        .catch((error: Error & { stderr?: string }) => {
          throw new Error(`promtool could not backfill ${file}: ${error.stderr || error.message}`);
        })
        .then(() => rm(file, { force: true }))
        .finally(() => running.delete(backfill));
      running.add(backfill);
      if (running.size >= 2) await Promise.race(running);
    }
    await Promise.all(running);
    return { dataDirectory, directory, samples };
  } catch (error) {
    await Promise.allSettled(running);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Live targets a history Prometheus also scrapes (the drill: kube-sim as kube-state-metrics). */
export interface HistoryScrapeTarget {
  readonly job: string;
  /** host:port; /metrics is scraped. */
  readonly address: string;
}

export interface HistoryPrometheusOptions {
  /** None by default: the history alone. */
  readonly scrape?: readonly HistoryScrapeTarget[];
  /** How often the targets are scraped (default 1m, the history's own interval). */
  readonly scrapeInterval?: string;
}

export interface HistoryPrometheus {
  url: string;
  /** Stops Prometheus; the history stays (removeUsageHistory deletes it). */
  stop(): Promise<void>;
}

/** A real Prometheus serving the backfilled history, with no scrape targets. */
export async function startPrometheusOnHistory(
  history: UsageHistory,
  options: HistoryPrometheusOptions = {},
): Promise<HistoryPrometheus> {
  ensureSystemBinaries([PROMETHEUS]);
  const configDirectory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-usage-prometheus-'));
  const configFile = join(configDirectory, 'prometheus.yml');
  await writeFile(configFile, historyPrometheusConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startLoopbackProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${history.dataDirectory}`,
      // The history is in the past: nothing may be deleted for its age.
      '--storage.tsdb.retention.time=100y',
      // Serve the blocks as backfilled: no compaction into 54-hour blocks under a benchmark.
      '--storage.tsdb.max-block-duration=18h',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    `${url}/-/ready`,
    configDirectory,
  );
  return { url, stop };
}

function historyPrometheusConfig(options: HistoryPrometheusOptions): string {
  const interval = options.scrapeInterval ?? '1m';
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    // honor_labels: the exposed namespace and pod name the workload's pods, as kube-state-metrics'.
    scrape_configs: (options.scrape ?? []).map((target) => ({
      job_name: target.job,
      honor_labels: true,
      static_configs: [{ targets: [target.address] }],
    })),
  });
}

export function removeUsageHistory(history: UsageHistory): Promise<void> {
  return rm(history.directory, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// A realistic catalogue

export interface CatalogueOptions {
  count: number;
  seed?: number;
  /** Namespaces to spread the workloads over. */
  namespaces?: readonly string[];
}

function resources(
  cpuRequest: number,
  memoryRequest: number,
  memoryLimit: number,
  cpuLimit?: number,
): Resources {
  return {
    requests: { cpuCores: cpuRequest, memoryBytes: memoryRequest },
    limits: { memoryBytes: memoryLimit, ...(cpuLimit === undefined ? {} : { cpuCores: cpuLimit }) },
  };
}

const round = (value: number, step: number) => Math.max(step, Math.ceil(value / step) * step);

/**
 * `count` workloads as a platform team has them: mostly over-provisioned Deployments, some
 * StatefulSets, hourly CronJobs, Prefect work pools; a tenth whose memory grows every day, one in
 * twenty whose limit is below its peaks (OOM-killed), a fifth with CPU spikes, a few under
 * autoscalers. Profiles are drawn from the seed.
 */
export function syntheticCatalogue(options: CatalogueOptions): SyntheticWorkload[] {
  const seed = options.seed ?? 1;
  const namespaces = options.namespaces ?? ['prefect', 'minio', 'monitoring', 's5cmd', 'ingest', 'analytics'];
  return Array.from({ length: options.count }, (_, index) => {
    const pick = (what: string) => draw(seed, index, what);
    const kindDraw = pick('kind');
    const kind: WorkloadKind =
      kindDraw < 0.62
        ? 'Deployment'
        : kindDraw < 0.77
          ? 'StatefulSet'
          : kindDraw < 0.95
            ? 'CronJob'
            : 'PrefectWorkPool';
    const cpuBase = 0.02 + pick('cpu') ** 2 * 1.5;
    const memoryBase = (64 + pick('memory') ** 2 * 3000) * MIB;
    const growing = pick('growing') < 0.1;
    const oomKilled = !growing && pick('oom') < 0.05;
    const spiky = pick('spiky') < 0.2;
    const overProvision = 1.3 + pick('over') * 3;
    const memoryGrowth = growing ? 0.02 + pick('growth') * 0.04 : 0;
    const memoryPeakFactor = (1 + 0.1) * (1 + memoryGrowth * 14);
    const memoryLimit = oomKilled
      ? round(memoryBase * (1.0 + pick('oom-limit') * 0.05), MIB)
      : round(memoryBase * memoryPeakFactor * (1.5 + pick('limit') * 1.5), MIB);
    const cpuRequest = round(cpuBase * overProvision * (pick('under') < 0.1 ? 0.5 : 1), 0.005);
    const memoryRequest = Math.min(memoryLimit, round(memoryBase * overProvision * 0.8, MIB));
    const name = `${kind === 'PrefectWorkPool' ? 'pool' : kind.toLowerCase()}-${index}`;
    const workload: SyntheticWorkload = {
      namespace: namespaces[index % namespaces.length]!,
      kind,
      name,
      replicas:
        kind === 'Deployment'
          ? 1 + Math.floor(pick('replicas') * 3)
          : kind === 'StatefulSet'
            ? 1 + Math.floor(pick('replicas') * 4)
            : 1,
      pool: kind === 'StatefulSet' ? 'storage' : kind === 'Deployment' ? 'system' : 'compute',
      containers: [
        {
          name: kind === 'PrefectWorkPool' ? 'prefect-job' : 'main',
          current: resources(
            cpuRequest,
            memoryRequest,
            memoryLimit,
            pick('cpu-limit') < 0.3 ? cpuRequest * 2 : undefined,
          ),
          cpu: {
            baseCores: cpuBase,
            diurnalAmplitude: 0.2 + pick('cpu-diurnal') * 0.5,
            noise: 0.1 + pick('cpu-noise') * 0.2,
            spikeChance: spiky ? 0.01 + pick('cpu-spike') * 0.02 : 0,
            spikeFactor: 2 + pick('cpu-spike-factor') * 2,
          },
          memory: {
            baseBytes: memoryBase,
            diurnalAmplitude: 0.02 + pick('memory-diurnal') * 0.05,
            noise: 0.01 + pick('memory-noise') * 0.02,
            growthPerDay: memoryGrowth,
            spikeChance: oomKilled ? 0.01 : pick('memory-spiky') < 0.2 ? 0.003 : 0,
            spikeFactor: oomKilled ? 1.08 : 1.05 + pick('memory-spike-factor') * 0.05,
          },
        },
      ],
    };
    if (kind === 'CronJob' || kind === 'PrefectWorkPool') {
      workload.schedule = { everyMinutes: 60, durationMinutes: 10 + Math.floor(pick('duration') * 30) };
      workload.startsAfterSeconds = Math.floor((pick('offset') * 3600) / 60) * 60;
    }
    if (kind === 'Deployment' && pick('hpa') < 0.05) workload.hpaResources = ['cpu'];
    return workload;
  });
}

// ---------------------------------------------------------------------------------------------
// The catalogue as the cluster and Prefect describe it (seeded into kube-sim and a Prefect stand-in)

function quantities(amounts: Resources['requests']): Record<string, string> {
  return {
    ...(amounts.cpuCores === undefined ? {} : { cpu: `${Math.round(amounts.cpuCores * 1000)}m` }),
    ...(amounts.memoryBytes === undefined ? {} : { memory: `${Math.ceil(amounts.memoryBytes / MIB)}Mi` }),
  };
}

/** The image of every synthetic container (a cluster that enforces images must hold it). */
export const SYNTHETIC_WORKLOAD_IMAGE = 'ghcr.io/lakehouse/app:1.0';

function podTemplate(workload: SyntheticWorkload): Record<string, unknown> {
  return {
    metadata: { labels: { app: workload.name } },
    spec: {
      nodeSelector: { [POOL_LABEL]: workload.pool },
      ...(workload.schedule ? { restartPolicy: 'Never' } : {}),
      containers: workload.containers.map((container) => ({
        name: container.name,
        image: SYNTHETIC_WORKLOAD_IMAGE,
        resources: {
          requests: quantities(container.current.requests),
          limits: quantities(container.current.limits),
        },
      })),
    },
  };
}

/** The Kubernetes objects of a workload (and its HPA); none for a Prefect work pool. */
export function kubernetesObjectsOf(workload: SyntheticWorkload): Record<string, unknown>[] {
  const metadata = { name: workload.name, namespace: workload.namespace, labels: { app: workload.name } };
  const selector = { matchLabels: { app: workload.name } };
  const template = podTemplate(workload);
  const objects: Record<string, unknown>[] = [];
  if (workload.kind === 'Deployment' || workload.kind === 'StatefulSet') {
    objects.push({
      apiVersion: 'apps/v1',
      kind: workload.kind,
      metadata,
      spec: {
        replicas: workload.replicas,
        selector,
        template,
        ...(workload.kind === 'StatefulSet' ? { serviceName: workload.name } : {}),
      },
    });
  } else if (workload.kind === 'CronJob') {
    const every = workload.schedule?.everyMinutes ?? 60;
    objects.push({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata,
      spec: {
        schedule: every >= 60 ? `0 */${every / 60} * * *` : `*/${every} * * * *`,
        jobTemplate: { spec: { template } },
      },
    });
  } else if (workload.kind === 'Job') {
    objects.push({ apiVersion: 'batch/v1', kind: 'Job', metadata, spec: { template } });
  }
  if (workload.hpaResources?.length && workload.kind !== 'PrefectWorkPool') {
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: workload.name, namespace: workload.namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: workload.kind, name: workload.name },
        minReplicas: 1,
        maxReplicas: workload.replicas * 3,
        metrics: workload.hpaResources.map((name) => ({
          type: 'Resource',
          resource: { name, target: { type: 'Utilization', averageUtilization: 70 } },
        })),
      },
    });
  }
  return objects;
}

/**
 * A Prefect work pool (the shape of `POST /work_pools/filter`) whose base job template runs the
 * workload's containers, with Prefect's placeholders and their variables' defaults.
 */
export function prefectWorkPoolOf(workload: SyntheticWorkload): Record<string, unknown> {
  const container = workload.containers[0];
  return {
    name: workload.name,
    type: 'kubernetes',
    base_job_template: {
      job_configuration: {
        namespace: '{{ namespace }}',
        job_manifest: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { generateName: '{{ name }}-', namespace: '{{ namespace }}', labels: '{{ labels }}' },
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                nodeSelector: { [POOL_LABEL]: workload.pool },
                containers: [
                  {
                    name: container?.name ?? 'prefect-job',
                    image: '{{ image }}',
                    resources: {
                      requests: { cpu: '{{ cpu_request }}', memory: '{{ memory_request }}' },
                      limits: { memory: '{{ memory_limit }}' },
                    },
                  },
                ],
              },
            },
          },
        },
      },
      variables: {
        properties: {
          namespace: { default: workload.namespace },
          image: { default: 'prefecthq/prefect:3-latest' },
          cpu_request: { default: quantities(container?.current.requests ?? {}).cpu },
          memory_request: { default: quantities(container?.current.requests ?? {}).memory },
          memory_limit: { default: quantities(container?.current.limits ?? {}).memory },
        },
      },
    },
  };
}
