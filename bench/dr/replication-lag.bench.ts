/**
 * Continuous replication benchmark (issue 5): a writer PUTs objects into the local MinIO (s3rver)
 * at a fixed rate while replication runs as in the drill (MinIO's bucket notifications ->
 * replication-ingress behind its Function URL -> the replication queue in aws-sim -> the template's
 * event-source mapping -> replicate-objects -> the replica bucket on the DR S3 endpoint). Per
 * object, the lag is the time from the PUT's acknowledgement to the end of the replicate-objects
 * invocation that settled its event (local/runner/replication.ts `onSettled`). At the end every
 * object is read back from the replica: an object missing or with another SHA-256 counts as lost.
 * The lag is also broken down by stage (replication-stages.ts): the handlers run at DEBUG so that
 * replicate-objects logs each object's times.
 *
 *   npm run bench:dr   # 2.5-4 min; writes bench/results/dr-replication-lag.json
 *
 * Environment: BENCH_RATE (PUTs per second, default 50), BENCH_SECONDS (default 60),
 * BENCH_OBJECT_BYTES (default 16384), BENCH_CONCURRENCY (batches in flight per mapping; default the
 * template's, which is one locally).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { MARKET_DATA_BUCKET } from '../../local/lakehouse/seed/buckets.ts';
import { startLocalReplication } from '../../local/runner/replication.ts';
import { loadWorkflows } from '../../local/runner/workflows.ts';
import {
  captureReplicationLog,
  type ObjectTimes,
  percentile,
  queuedRate,
  stageBreakdown,
  timesOfLine,
} from './replication-stages.ts';

const RATE = positiveInteger('BENCH_RATE', 50);
const SECONDS = positiveInteger('BENCH_SECONDS', 60);
const OBJECT_BYTES = positiveInteger('BENCH_OBJECT_BYTES', 16 * 1024);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? positiveInteger('BENCH_CONCURRENCY', 1) : undefined;
const TARGET_P99_MS = 30_000;
/** How long after the last PUT the bench waits for the pipeline to settle every object. */
const SETTLE_TIMEOUT_MS = 300_000;
const BACKLOG_SAMPLE_MS = 500;
const RESULTS_FILE = fileURLToPath(new URL('../results/dr-replication-lag.json', import.meta.url));

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Written extends ObjectTimes {
  readonly key: string;
  readonly sha256: string;
}

async function main(): Promise<void> {
  const written = new Map<string, Written>();
  const restoreStdout = captureReplicationLog((line) => {
    const entry = line.bucket === MARKET_DATA_BUCKET ? written.get(line.key) : undefined;
    // A redelivered event logs again: the first copy is the one its lag is made of.
    if (entry && entry.syncedAt === undefined) Object.assign(entry, timesOfLine(line));
  });
  const lakehouse = await startLocalLakehouse({ replication: true, logLevel: 'DEBUG' }).catch((error) => {
    restoreStdout();
    throw error;
  });
  try {
    const workflows = await loadWorkflows({
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
    });
    const runId = new Date().toISOString().replace(/[:.]/g, '-');
    const prefix = `bench-replication/${runId}/`;
    let errors = 0;
    const replication = await startLocalReplication({
      workflows,
      webhook: lakehouse.replicationWebhook,
      ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
      onSettled: (object) => {
        const entry = object.bucket === MARKET_DATA_BUCKET ? written.get(object.key) : undefined;
        if (entry && object.change === 'created') entry.settledAt ??= object.at;
      },
      onError: () => {
        errors += 1;
      },
    });
    // The seeded objects' events first, so they do not count against the writer's.
    await replication.idle({ timeoutMs: 120_000 });

    const s3Options = { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' } as const;
    const minio = new S3Client({
      ...s3Options,
      endpoint: lakehouse.environment.MINIO_ENDPOINT,
      region: lakehouse.region,
      credentials: lakehouse.s3Credentials,
    });
    const replica = new S3Client({
      ...s3Options,
      endpoint: lakehouse.environment.AWS_ENDPOINT_URL_S3,
      region: lakehouse.replica.region,
      credentials: {
        accessKeyId: lakehouse.environment.AWS_ACCESS_KEY_ID!,
        secretAccessKey: lakehouse.environment.AWS_SECRET_ACCESS_KEY!,
      },
    });

    // Paced writer: object i is due at start + i / RATE; each PUT goes out on time, not after the last answer.
    const total = RATE * SECONDS;
    const startedAt = Date.now();
    // MinIO's notification queue: events waiting for their turn at the one in-order delivery.
    const notificationBacklog: number[] = [];
    const sampler = setInterval(
      () => notificationBacklog.push(lakehouse.replicationWebhook.notifications?.pending ?? 0),
      BACKLOG_SAMPLE_MS,
    );
    const puts: Promise<void>[] = [];
    let lateStarts = 0;
    for (let index = 0; index < total; index += 1) {
      const due = startedAt + (index * 1000) / RATE;
      await sleep(due - Date.now());
      if (Date.now() - due > 1000) lateStarts += 1;
      const body = randomBytes(OBJECT_BYTES);
      const entry: Written = {
        key: `${prefix}object-${String(index).padStart(5, '0')}.bin`,
        sha256: sha256(body),
      };
      written.set(entry.key, entry);
      puts.push(
        minio
          .send(new PutObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: entry.key, Body: body }))
          .then(() => {
            entry.ackedAt = Date.now();
          }),
      );
    }
    await Promise.all(puts);
    const writerSeconds = (Date.now() - startedAt) / 1000;
    const backlogAtWriterEnd = notificationBacklog.at(-1) ?? 0;

    const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
    const unsettled = () => [...written.values()].filter((entry) => entry.settledAt === undefined).length;
    while (unsettled() > 0 && Date.now() < settleDeadline) await sleep(250);
    const lastSettledAfterWriterMs =
      Math.max(...[...written.values()].map((entry) => entry.settledAt ?? 0)) -
      (startedAt + writerSeconds * 1000);
    clearInterval(sampler);
    await replication.idle({ timeoutMs: 60_000 }).catch(() => undefined);
    const lag = await replication.measureLag();

    let lost = 0;
    for (const entry of written.values()) {
      try {
        const object = await replica.send(
          new GetObjectCommand({
            Bucket: lakehouse.replica.bucketName,
            Key: `${MARKET_DATA_BUCKET}/${entry.key}`,
          }),
        );
        if (sha256(await object.Body!.transformToByteArray()) !== entry.sha256) lost += 1;
      } catch {
        lost += 1;
      }
    }
    const invocations = replication.invocations;
    await replication.stop();
    minio.destroy();
    replica.destroy();

    const lags = [...written.values()]
      .filter((entry) => entry.settledAt !== undefined && entry.ackedAt !== undefined)
      .map((entry) => Math.max(0, (entry.settledAt as number) - (entry.ackedAt as number)))
      .sort((a, b) => a - b);
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      settings: {
        rate: RATE,
        seconds: SECONDS,
        objectBytes: OBJECT_BYTES,
        concurrency: CONCURRENCY ?? 'template',
      },
      objects: total,
      writerSeconds,
      lateStarts,
      settled: lags.length,
      unsettled: unsettled(),
      lost,
      lagMs: {
        p50: percentile(lags, 50),
        p90: percentile(lags, 90),
        p99: percentile(lags, 99),
        max: lags.at(-1) ?? Number.NaN,
      },
      lastSettledAfterWriterMs,
      stages: stageBreakdown(written.values()),
      notificationBacklog: {
        max: Math.max(0, ...notificationBacklog),
        atWriterEnd: backlogAtWriterEnd,
        sampleMs: BACKLOG_SAMPLE_MS,
      },
      queuedPerSecond: queuedRate(written.values()),
      invocations,
      invocationErrors: errors,
      lagAtEnd: lag.lagSeconds,
      targetP99Ms: TARGET_P99_MS,
      targetMet: percentile(lags, 99) < TARGET_P99_MS && lost === 0,
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
    restoreStdout();
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    restoreStdout();
    await lakehouse.stop();
  }
}

await main();
