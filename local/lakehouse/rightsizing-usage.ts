import { SCRAPE_JOBS } from '../../cluster-manifests/src/monitoring/scrape-jobs.ts';
import type { KubeSim } from '../kube-sim/index.ts';
import type { KubeObject } from '../kube-sim/model.ts';
import type { PrefectApiStandIn, PrefectWorkPool } from './prefect-api.ts';
import { startPrometheusRecorder } from './prometheus-recorder.ts';
import {
  readPrometheusRecording,
  saveRecordingSection,
  startRecordedPrometheus,
} from './recorded-prometheus.ts';
import {
  backfillUsageHistory,
  kubernetesObjectsOf,
  prefectWorkPoolOf,
  removeUsageHistory,
  SYNTHETIC_WORKLOAD_IMAGE,
  type SyntheticWorkload,
  startPrometheusOnHistory,
} from './usage-history.ts';

/**
 * Right-sizing's inputs in the local lakehouse: synthetic workloads as kube-sim objects and Prefect
 * work pools, days of their usage backfilled (promtool) into a real Prometheus up to now, and that
 * Prometheus scraping kube-sim as kube-state-metrics every second, so that what happens to the pods
 * after a change (restarts, OOM kills, the requests they hold) reaches the watch step as it would
 * on the cluster, where one Prometheus holds the history and the live series.
 *
 * Where Prometheus is not installed, the handlers' queries are answered from a recording of a real
 * run instead (`answers`, recorded-prometheus.ts); the objects and work pools are seeded the same.
 *
 * A workload whose object the cluster already has (the platform's own, such as its PostgreSQL) gets
 * usage only: its object is the platform's, neither replaced nor removed.
 */
export interface RightsizingUsageOptions {
  readonly workloads: readonly SyntheticWorkload[];
  /** Days of history up to now; right-sizing needs at least minHistoryHours (72 by default). */
  readonly days: number;
  /** Seconds between written raw samples (the recorded series right-sizing reads are 5-minute). */
  readonly sampleSeconds?: number;
  /** Where the handlers' queries are answered; a real Prometheus when absent. */
  readonly answers?: UsageAnswers;
}

/**
 * A real Prometheus on the backfilled history (through a recorder when `recordTo` is given), or
 * the answers such a Prometheus gave, replayed from a recording (recorded-prometheus.ts).
 */
export type UsageAnswers =
  | { readonly from: 'prometheus'; readonly recordTo?: RecordingTarget }
  | {
      readonly from: 'recording';
      readonly file: string;
      readonly section: string;
      /** Said when a query has no recorded answer. */
      readonly howToRecord: string;
    };

export interface RecordingTarget {
  readonly file: string;
  readonly section: string;
  /** The recording's description: how it was made and how to make it again. */
  readonly about: string;
}

export interface RightsizingUsage {
  /** PROMETHEUS_URL for the cost-optimise functions. */
  readonly prometheusUrl: string;
  /**
   * The real Prometheus scraping kube-sim, for waiting until it has seen what happened to the
   * pods; absent when the answers are replayed (nothing is scraped: the recording has it all).
   */
  readonly scrapingPrometheusUrl?: string;
  /**
   * With replayed answers: how long before the clock the earliest recorded query was evaluated (the
   * watch's period before the change). The same query asked at two times keeps both answers, and a
   * replay tells them apart by that distance, so a replay waits as long as the recorded run did.
   */
  readonly recordedLookbackSeconds?: number;
  /** When the history starts (the oldest pod's creation). */
  readonly historyStart: Date;
  /** The objects seeded into kube-sim (not those that were there already). */
  readonly seededObjects: readonly KubeObject[];
  /** Removes the seeded objects and work pools, stops Prometheus, deletes the history, saves a recording. */
  remove(): Promise<void>;
}

/** Prometheus' rule and block alignment: whole 5-minute steps keep the records on their grid. */
const STEP_SECONDS = 300;

/** Sample values that are times: the oldest pod's creation, from which the evidence's hours are counted. */
const isTimeValued = (metric: Record<string, string>) => metric.statistic === 'firstSeen';

type Undo = () => Promise<void>;

export async function seedRightsizingUsage(
  lakehouse: { readonly kube: KubeSim; readonly prefect: PrefectApiStandIn },
  options: RightsizingUsageOptions,
): Promise<RightsizingUsage> {
  const { kube, prefect } = lakehouse;
  const nowSeconds = Math.floor(Date.now() / 1000 / STEP_SECONDS) * STEP_SECONDS;
  const historyStart = new Date((nowSeconds - options.days * 86_400) * 1000);
  const undo: Undo[] = [];
  const remove = async () => {
    const results = await Promise.allSettled(undo.reverse().map((step) => step()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  try {
    const answers = options.answers ?? { from: 'prometheus' };
    const prometheus =
      answers.from === 'recording'
        ? await replayedPrometheus(answers, undo)
        : await realPrometheus(kube, options, historyStart, answers.recordTo, undo);

    kube.images.add(SYNTHETIC_WORKLOAD_IMAGE);
    undo.push(async () => void kube.images.remove(SYNTHETIC_WORKLOAD_IMAGE));
    const seededObjects = options.workloads
      .flatMap((workload) => kubernetesObjectsOf(workload) as unknown as KubeObject[])
      .filter((object) => !existing(kube, object));
    for (const object of seededObjects) kube.apply(object);
    undo.push(async () => {
      for (const object of seededObjects) {
        kube.delete(object.apiVersion, object.kind, object.metadata.name ?? '', object.metadata.namespace);
      }
      await kube.settle();
    });
    await kube.settle();

    const pools = options.workloads
      .filter((workload) => workload.kind === 'PrefectWorkPool')
      .map((workload) => prefectWorkPoolOf(workload) as unknown as PrefectWorkPool);
    undo.push(prefect.addWorkPools(pools));
    return { ...prometheus, historyStart, seededObjects, remove };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}

type UsagePrometheus = Pick<
  RightsizingUsage,
  'prometheusUrl' | 'scrapingPrometheusUrl' | 'recordedLookbackSeconds'
>;

async function realPrometheus(
  kube: KubeSim,
  options: RightsizingUsageOptions,
  historyStart: Date,
  recordTo: RecordingTarget | undefined,
  undo: Undo[],
): Promise<UsagePrometheus> {
  const history = await backfillUsageHistory({
    workloads: options.workloads,
    start: historyStart,
    days: options.days,
    sampleSeconds: options.sampleSeconds ?? STEP_SECONDS,
  });
  undo.push(() => removeUsageHistory(history));
  const prometheus = await startPrometheusOnHistory(history, {
    scrape: [{ job: SCRAPE_JOBS.kubeStateMetrics, address: new URL(kube.url).host }],
    scrapeInterval: '1s',
  });
  undo.push(() => prometheus.stop());
  if (!recordTo) return { prometheusUrl: prometheus.url, scrapingPrometheusUrl: prometheus.url };
  const recorder = await startPrometheusRecorder(prometheus.url, { timeValued: isTimeValued });
  // Saved when the scenario is over (undo runs in reverse): the watch's answers are in by then.
  undo.push(async () => {
    await recorder.stop();
    await saveRecordingSection(recordTo.file, recordTo.about, recordTo.section, recorder.answers());
  });
  return { prometheusUrl: recorder.url, scrapingPrometheusUrl: prometheus.url };
}

async function replayedPrometheus(
  answers: Extract<UsageAnswers, { from: 'recording' }>,
  undo: Undo[],
): Promise<UsagePrometheus> {
  const recording = await readPrometheusRecording(answers.file);
  const responder = await startRecordedPrometheus(recording, {
    source: answers.file,
    section: answers.section,
    howToRecord: answers.howToRecord,
  });
  undo.push(() => responder.stop());
  const offsets = (recording.sections[answers.section] ?? []).map((answer) => answer.askedAtOffset);
  return { prometheusUrl: responder.url, recordedLookbackSeconds: Math.max(0, ...offsets.map((at) => -at)) };
}

function existing(kube: KubeSim, object: KubeObject): boolean {
  return (
    kube.get(object.apiVersion, object.kind, object.metadata.name ?? '', object.metadata.namespace) !==
    undefined
  );
}
