/**
 * Continuous replication benchmark (issue 5): a writer PUTs objects into the local MinIO (s3rver)
 * at a fixed rate while replication runs as in the drill (MinIO's bucket notifications ->
 * replication-ingress behind its Function URL -> the replication queue in aws-sim -> the template's
 * event-source mapping -> replicate-objects -> the replica bucket on the DR S3 endpoint). Per
 * object, the lag is the time from the PUT's acknowledgement to the end of the replicate-objects
 * invocation that settled its event (local/runner/replication.ts `onSettled`). At the end every
 * object is read back from the replica: an object missing or with another SHA-256 counts as lost.
 *
 *   npm run bench:dr   # ~2 min; writes bench/results/dr-replication-lag.json
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

const RATE = positiveInteger('BENCH_RATE', 50);
const SECONDS = positiveInteger('BENCH_SECONDS', 60);
const OBJECT_BYTES = positiveInteger('BENCH_OBJECT_BYTES', 16 * 1024);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? positiveInteger('BENCH_CONCURRENCY', 1) : undefined;
const TARGET_P99_MS = 30_000;
/** How long after the last PUT the bench waits for the pipeline to settle every object. */
const SETTLE_TIMEOUT_MS = 300_000;
const RESULTS_FILE = fileURLToPath(new URL('../results/dr-replication-lag.json', import.meta.url));

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Written {
  readonly key: string;
  readonly sha256: string;
  ackedAt?: number;
  settledAt?: number;
}

async function main(): Promise<void> {
  const lakehouse = await startLocalLakehouse({ replication: true });
  try {
    const workflows = await loadWorkflows({
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
    });
    const runId = new Date().toISOString().replace(/[:.]/g, '-');
    const prefix = `bench-replication/${runId}/`;
    const written = new Map<string, Written>();
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

    const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
    const unsettled = () => [...written.values()].filter((entry) => entry.settledAt === undefined).length;
    while (unsettled() > 0 && Date.now() < settleDeadline) await sleep(250);
    const lastSettledAfterWriterMs =
      Math.max(...[...written.values()].map((entry) => entry.settledAt ?? 0)) -
      (startedAt + writerSeconds * 1000);
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
      invocations,
      invocationErrors: errors,
      lagAtEnd: lag.lagSeconds,
      targetP99Ms: TARGET_P99_MS,
      targetMet: percentile(lags, 99) < TARGET_P99_MS && lost === 0,
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await lakehouse.stop();
  }
}

await main();
