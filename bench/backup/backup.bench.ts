/**
 * Backup copy benchmark (issue 3): the same data set (2,000 x 64 KiB + 20 x 20 MiB) copied from
 * one s3rver ("MinIO") to another ("S3") by the lakehouse-ops copy core (backupBucket), by
 * `rclone sync` and by `aws s3 sync`; the no-change re-run of each; and the copy core's peak memory
 * at 10,000 and 100,000 objects. See bench/README.md for the method and the recorded result.
 *
 *   npm run bench:backup     # ~25 min; writes bench/results/backup.json, prints Markdown tables
 *
 * Environment: BENCH_ROUNDS (default 3) rounds of the copy comparison; BENCH_MEMORY_OBJECTS
 * (default "10000,100000") object counts of the memory runs ("" skips them); BENCH_TUNING (JSON
 * backupBucket options of the second copy-core configuration; "" skips it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareCopies } from './copy-comparison.ts';
import type { CopyCoreTuning } from './copy-core-child.ts';
import { bundleCopyCore } from './copy-core-run.ts';
import { COPY_DATA_SET, seedThroughApi, totalBytes, totalObjects } from './dataset.ts';
import { startBenchEndpoints } from './endpoints.ts';
import { measurePeakMemory } from './peak-memory.ts';
import { requirePeers } from './peers.ts';
import { markdown, summarise } from './report.ts';
import { benchS3Client } from './s3-client.ts';

const ROUNDS = positiveInteger('BENCH_ROUNDS', process.env.BENCH_ROUNDS ?? '3');
const MEMORY_OBJECTS = (process.env.BENCH_MEMORY_OBJECTS ?? '10000,100000')
  .split(',')
  .filter((value) => value.trim() !== '')
  .map((value) => positiveInteger('BENCH_MEMORY_OBJECTS', value.trim()));
/** The copy core's defaults, as the backup workflow runs them; recorded with the result. */
const COPY_CORE_TUNING: CopyCoreTuning = {};
/**
 * A second configuration measured in the same rounds, to show what the copy core's own knobs buy:
 * rclone's parallelism (4 transfers: one batch at a time) instead of 4 x 2 objects in flight: s3rver is
 * CPU-bound here, so fewer, shorter requests may win. BENCH_TUNING='' leaves it out.
 */
const TUNED_COPY_CORE_TUNING = tuningFrom(process.env.BENCH_TUNING ?? '{"batchConcurrency":1}');
const SOURCE_BUCKET = 'lakehouse';
const RESULTS_FILE = fileURLToPath(new URL('../results/backup.json', import.meta.url));

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(
      `${name} must be positive integers (comma-separated for BENCH_MEMORY_OBJECTS), got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

function tuningFrom(json: string): CopyCoreTuning | undefined {
  if (json.trim() === '') return undefined;
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`BENCH_TUNING must be a JSON object of backupBucket options, got ${json}`);
  }
  return parsed as CopyCoreTuning;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

const peers = requirePeers();
const endpoints = await startBenchEndpoints([SOURCE_BUCKET], []);
const copyCore = bundleCopyCore();
const clients = {
  source: benchS3Client(endpoints.source.url),
  destination: benchS3Client(endpoints.destination.url),
};
try {
  const seed = await seedThroughApi(clients.source, SOURCE_BUCKET, COPY_DATA_SET);
  log(
    `seeded ${seed.objects} objects (${(seed.bytes / 2 ** 20).toFixed(0)} MiB) in ${seed.seconds.toFixed(1)} s`,
  );
  const context = { endpoints, clients, copyCore, copyCoreTuning: COPY_CORE_TUNING, log };
  const rounds = await compareCopies(
    {
      ...context,
      tunedCopyCoreTuning: TUNED_COPY_CORE_TUNING,
      sourceBucket: SOURCE_BUCKET,
      dataSet: COPY_DATA_SET,
    },
    ROUNDS,
  );
  const memory = await measurePeakMemory(context, MEMORY_OBJECTS);
  const summary = summarise(rounds, memory, totalBytes(COPY_DATA_SET), cpus().length, TUNED_COPY_CORE_TUNING);

  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        peers,
        dataSet: {
          name: COPY_DATA_SET.name,
          objects: totalObjects(COPY_DATA_SET),
          bytes: totalBytes(COPY_DATA_SET),
        },
        seed,
        copyCoreTuning: COPY_CORE_TUNING,
        tunedCopyCoreTuning: TUNED_COPY_CORE_TUNING ?? null,
        rounds,
        memory,
        summary,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`${markdown(summary)}\n`);
  log(`results: ${RESULTS_FILE}`);
} finally {
  clients.source.destroy();
  clients.destination.destroy();
  copyCore.dispose();
  await endpoints.stop();
}
