/**
 * Peak memory of the copy core against the number of objects: a full backupBucket run over
 * buckets of 10,000 and 100,000 small objects, each in a fresh child process. The plan streams the
 * listing and the previous manifest (docs/backup.md), so the peak should not grow with the bucket.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { type CopyComparisonContext, copiedObjects } from './copy-comparison.ts';
import { manySmallObjects, totalObjects } from './dataset.ts';
import { countObjects, seedOnDisk } from './s3rver-layout.ts';

export interface MemoryRun {
  readonly objects: number;
  readonly seedSeconds: number;
  readonly seconds: number;
  readonly processSeconds: number;
  readonly maxRssBytes: number;
  readonly idleRssBytes: number;
}

type MemoryContext = Omit<CopyComparisonContext, 'sourceBucket' | 'dataSet'>;

export async function measurePeakMemory(
  context: MemoryContext,
  objectCounts: readonly number[],
): Promise<MemoryRun[]> {
  const runs: MemoryRun[] = [];
  for (const count of objectCounts) {
    const dataSet = manySmallObjects(count);
    const sourceBucket = `ticks-${count}`;
    const destinationBucket = `backup-memory-${count}`;
    await context.clients.source.send(new CreateBucketCommand({ Bucket: sourceBucket }));
    await context.clients.destination.send(new CreateBucketCommand({ Bucket: destinationBucket }));
    const seed = await seedOnDisk(context.endpoints.source.directory, sourceBucket, dataSet);
    const listed = await countObjects(context.clients.source, sourceBucket);
    if (listed !== totalObjects(dataSet)) {
      throw new Error(
        `seeded ${totalObjects(dataSet)} objects into ${sourceBucket} on disk, but s3rver lists ${listed}`,
      );
    }
    context.log(`memory: seeded ${count} objects on disk in ${seed.seconds.toFixed(1)} s; copying`);
    const run = await context.copyCore.run({
      sourceUrl: context.endpoints.source.url,
      destinationUrl: context.endpoints.destination.url,
      sourceBucket,
      destinationBucket,
      tuning: context.copyCoreTuning,
    });
    if (copiedObjects(run.result) !== count) {
      throw new Error(`memory run over ${count} objects copied ${run.result.copied}`);
    }
    context.log(
      `memory: ${count} objects copied in ${run.seconds.toFixed(1)} s, peak RSS ${(run.maxRssBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    runs.push({
      objects: count,
      seedSeconds: seed.seconds,
      seconds: run.seconds,
      processSeconds: run.processSeconds,
      maxRssBytes: run.maxRssBytes,
      idleRssBytes: run.idleRssBytes,
    });
  }
  return runs;
}
