/**
 * Where the replication lag goes, object by object, from the times the pipeline itself records:
 * the event time MinIO puts in its notification, SQS's SentTimestamp (the ingress sends the message
 * right after it journals the event as pending), and the start of the replicate-objects batch and
 * the moment the replica was written, both from that function's `object replicated` debug line
 * (functions/core/dr/replication/replicate.ts). The handlers run in this process, so their log
 * lines are read off stdout as CloudWatch would collect them.
 */

export interface ObjectTimes {
  /** The PUT's acknowledgement to the writer (epoch ms). */
  ackedAt?: number;
  eventAt?: number;
  queuedAt?: number;
  startedAt?: number;
  syncedAt?: number;
  /** The end of the invocation that settled the object's event (local/runner/replication.ts). */
  settledAt?: number;
}

/** The stages, each from one recorded time to the next, in the order an event passes them. */
const STAGES = [
  ['event -> queued (notification delivered, ingress journaled and queued)', 'eventAt', 'queuedAt'],
  ['queued -> batch started (waiting in the replication queue)', 'queuedAt', 'startedAt'],
  ['batch started -> replica written (copy, with the batch objects before it)', 'startedAt', 'syncedAt'],
  ['replica written -> settled (pending cleared, rest of the batch)', 'syncedAt', 'settledAt'],
  ['PUT acknowledged -> event', 'ackedAt', 'eventAt'],
] as const;

export interface StageSummary {
  readonly stage: string;
  readonly objects: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function stageBreakdown(objects: Iterable<ObjectTimes>): StageSummary[] {
  const all = [...objects];
  return STAGES.map(([stage, from, to]) => {
    const durations = all
      .flatMap((times) => {
        const start = times[from];
        const end = times[to];
        return start === undefined || end === undefined ? [] : [end - start];
      })
      .sort((a, b) => a - b);
    return {
      stage,
      objects: durations.length,
      p50Ms: percentile(durations, 50),
      p90Ms: percentile(durations, 90),
      p99Ms: percentile(durations, 99),
      maxMs: durations.at(-1) ?? Number.NaN,
    };
  });
}

/**
 * Events the ingress queued per second, from the first to the last SentTimestamp: with a backlog
 * in front of it all along, the rate of the serial notification path.
 */
export function queuedRate(objects: Iterable<ObjectTimes>): number {
  const queued = [...objects].flatMap((times) => (times.queuedAt === undefined ? [] : [times.queuedAt]));
  if (queued.length < 2) return Number.NaN;
  const seconds = (Math.max(...queued) - Math.min(...queued)) / 1000;
  return Math.round((queued.length - 1) / seconds);
}

interface ReplicatedLine {
  bucket: string;
  key: string;
  eventTime?: string;
  queuedAt?: string;
  startedAt: string;
  syncedAt: string;
}

/**
 * Reads the handlers' JSON log lines off stdout from now on: each `object replicated` line goes to
 * `onReplicated`, and no handler line reaches the terminal (the bench runs them at DEBUG). Returns
 * the function that puts stdout back.
 */
export function captureReplicationLog(onReplicated: (line: ReplicatedLine) => void): () => void {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const others = text.split('\n').filter((line) => {
      const entry = logEntry(line);
      if (entry?.message === 'object replicated') onReplicated(entry as unknown as ReplicatedLine);
      return entry === undefined;
    });
    const kept = others.join('\n');
    if (kept.trim() === '') {
      // The write callback, if any, is still owed its call.
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write.call(process.stdout, kept, ...(rest as []));
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}

/** A Powertools log line (a JSON object with a level and a message), or undefined. */
function logEntry(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry.level === 'string' && typeof entry.message === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The times of one `object replicated` line, as epoch ms. */
export function timesOfLine(
  line: ReplicatedLine,
): Pick<ObjectTimes, 'eventAt' | 'queuedAt' | 'startedAt' | 'syncedAt'> {
  const at = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  return {
    eventAt: at(line.eventTime),
    queuedAt: at(line.queuedAt),
    startedAt: at(line.startedAt),
    syncedAt: at(line.syncedAt),
  };
}
