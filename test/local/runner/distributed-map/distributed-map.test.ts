import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Endpoint, startS3Endpoint } from '../../../../local/lakehouse/s3-endpoint.ts';
import { compileWorkflow, type TaskHandler } from '../../../../local/runner/compiled-workflow.ts';
import type { AslDefinition } from '../../../../local/runner/definition.ts';
import { s3ItemSource } from '../../../../local/runner/distributed-map/item-reader.ts';
import { UnsupportedByLocalEngineError } from '../../../../local/runner/engine-gaps.ts';

// Small synthetic definitions, run through the same compile path as the synthesized workflows,
// with the items read from a real S3 API (s3rver).
const BUCKET = 'runs';
const credentials = { accessKeyId: 'map-test', secretAccessKey: 'map-test-secret' };
const pseudo = { region: 'eu-central-1', accountId: '000000000000', partition: 'aws', stackName: 'test' };
const LAMBDA = 'arn:aws:lambda:eu-central-1:000000000000:function:CopyBatch';

interface MapOptions {
  readonly map?: Record<string, unknown>;
  readonly child?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/** Plan -> Copy (Distributed Map over runs/<runId>/batches.json) -> Done. */
function definition({ map = {}, child = {}, after }: MapOptions = {}): AslDefinition {
  return {
    StartAt: 'Copy',
    States: {
      Copy: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: BUCKET, 'Key.$': '$.batchesKey' },
        },
        ItemSelector: {
          'batch.$': '$$.Map.Item.Value',
          'index.$': '$$.Map.Item.Index',
          'runId.$': '$.runId',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'CopyBatch',
          States: { CopyBatch: { Type: 'Task', Resource: LAMBDA, End: true, ...child } },
        },
        ResultPath: '$.copied',
        ...map,
        ...(after ? { Next: 'Caught' } : { End: true }),
      },
      ...(after ? { Caught: { Type: 'Pass', End: true, ...after } } : {}),
    },
  } as unknown as AslDefinition;
}

describe('Distributed Map (bridged)', () => {
  let endpoint: S3Endpoint;
  let s3: S3Client;

  beforeAll(async () => {
    endpoint = await startS3Endpoint({ name: 'map-test', buckets: [BUCKET], credentials });
    s3 = new S3Client({
      endpoint: endpoint.url,
      region: pseudo.region,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const batches = (count: number) => Array.from({ length: count }, (_, n) => ({ n, objects: n + 1 }));
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'four/batches.json', Body: JSON.stringify(batches(4)) }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'six/batches.json', Body: JSON.stringify(batches(6)) }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'six/not-an-array.json', Body: '{"n":1}' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await endpoint?.stop();
  });

  const compile = (tasks: Record<string, TaskHandler>, options?: MapOptions) =>
    compileWorkflow({
      name: 'map-test',
      stateMachineName: 'map-test',
      definition: definition(options),
      tasks,
      pseudo,
      itemSource: s3ItemSource(() => s3),
    });
  const batchOf = (input: unknown) => (input as { batch: { n: number } }).batch.n;
  const failFor =
    (failing: readonly number[]): TaskHandler =>
    async (input) => {
      if (failing.includes(batchOf(input)))
        throw Object.assign(new Error(`batch ${batchOf(input)} broke`), { name: 'CopyFailed' });
      return { copied: batchOf(input) };
    };

  it('reads the items from S3 and returns the children outputs in item order', async () => {
    // Later items finish first, so arrival order differs from item order.
    const workflow = compile({
      CopyBatch: async (input) => {
        const { batch, index, runId } = input as { batch: { n: number }; index: number; runId: string };
        await new Promise((resolve) => setTimeout(resolve, (4 - batch.n) * 15));
        return { n: batch.n, index, runId };
      },
    });
    const result = await workflow.run({ batchesKey: 'four/batches.json', runId: 'r1' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      batchesKey: 'four/batches.json',
      runId: 'r1',
      copied: [0, 1, 2, 3].map((n) => ({ n, index: n, runId: 'r1' })),
    });
    expect(workflow.bridgedStates).toEqual(['Copy']);
    const [map, ...children] = result.timeline;
    expect(map).toMatchObject({ state: 'Copy', type: 'Map', status: 'SUCCEEDED' });
    expect(children.map((entry) => [entry.state, entry.index, entry.status]).sort()).toEqual(
      [0, 1, 2, 3].map((n) => ['CopyBatch', n, 'SUCCEEDED']),
    );
  });

  it('runs at most MaxConcurrency children at once', async () => {
    let running = 0;
    let peak = 0;
    const workflow = compile(
      {
        CopyBatch: async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
          return {};
        },
      },
      { map: { MaxConcurrency: 2 } },
    );
    const result = await workflow.run({ batchesKey: 'six/batches.json', runId: 'r2' });

    expect(result.status).toBe('SUCCEEDED');
    expect(peak).toBe(2);
  });

  it('succeeds with the failed children recorded in place when failures stay within the percentage', async () => {
    const workflow = compile({ CopyBatch: failFor([2]) }, { map: { ToleratedFailurePercentage: 25 } });
    const result = await workflow.run({ batchesKey: 'four/batches.json', runId: 'r3' });

    expect(result.status).toBe('SUCCEEDED');
    const copied = (result.output as { copied: unknown[] }).copied;
    expect(copied[0]).toEqual({ copied: 0 });
    expect(copied[2]).toMatchObject({ Status: 'FAILED', Error: 'CopyFailed', Cause: 'batch 2 broke' });
    expect(JSON.parse((copied[2] as { Input: string }).Input)).toMatchObject({
      batch: { n: 2 },
      runId: 'r3',
    });
    expect(result.timeline.find((entry) => entry.index === 2)).toMatchObject({
      state: 'CopyBatch',
      status: 'FAILED',
    });
  });

  it('fails with States.ExceedToleratedFailureThreshold when failures exceed the percentage', async () => {
    const workflow = compile({ CopyBatch: failFor([1, 2]) }, { map: { ToleratedFailurePercentage: 25 } });
    const result = await workflow.run({ batchesKey: 'four/batches.json', runId: 'r4' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    expect(result.cause).toContain('2 of 4 items failed (tolerated: 25%)');
    expect(result.timeline[0]).toMatchObject({ state: 'Copy', type: 'Map', status: 'FAILED' });
  });

  it('applies ToleratedFailureCount, and tolerates nothing when no threshold is set', async () => {
    const counted = compile({ CopyBatch: failFor([1, 3]) }, { map: { ToleratedFailureCount: 1 } });
    expect((await counted.run({ batchesKey: 'six/batches.json', runId: 'r5' })).error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
    const tolerant = compile({ CopyBatch: failFor([1, 3]) }, { map: { ToleratedFailureCount: 2 } });
    expect((await tolerant.run({ batchesKey: 'six/batches.json', runId: 'r5' })).status).toBe('SUCCEEDED');
    const strict = compile({ CopyBatch: failFor([5]) });
    expect((await strict.run({ batchesKey: 'six/batches.json', runId: 'r5' })).error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
  });

  it('lets a Catch on the Map handle the threshold error, even next to States.TaskFailed', async () => {
    const workflow = compile(
      { CopyBatch: failFor([0]) },
      {
        map: {
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Caught' },
            {
              ErrorEquals: ['States.ExceedToleratedFailureThreshold'],
              ResultPath: '$.failure',
              Next: 'Caught',
            },
          ],
        },
        after: {},
      },
    );
    const result = await workflow.run({ batchesKey: 'four/batches.json', runId: 'r6' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ failure: { Error: 'States.ExceedToleratedFailureThreshold' } });
    expect(result.timeline[0]).toMatchObject({ state: 'Copy', type: 'Map', status: 'CAUGHT' });
  });

  it('shows a child state retried in the timeline', async () => {
    let calls = 0;
    const workflow = compile(
      {
        CopyBatch: async (input) => {
          calls += 1;
          if (batchOf(input) === 1 && calls < 3)
            throw Object.assign(new Error('slow down'), { name: 'TransientError' });
          return {};
        },
      },
      { map: { MaxConcurrency: 1 }, child: { Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 3 }] } },
    );
    const result = await workflow.run({ batchesKey: 'four/batches.json', runId: 'r7' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.timeline.find((entry) => entry.index === 1)).toMatchObject({
      state: 'CopyBatch',
      status: 'SUCCEEDED',
      retries: 1,
    });
  });

  it('fails with States.ItemReaderFailed when the items object is missing or not an array', async () => {
    const workflow = compile({ CopyBatch: failFor([]) });
    const missing = await workflow.run({ batchesKey: 'nowhere/batches.json', runId: 'r8' });
    expect(missing).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(missing.cause).toContain('s3://runs');
    const notArray = await workflow.run({ batchesKey: 'six/not-an-array.json', runId: 'r8' });
    expect(notArray).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(notArray.cause).toContain('expected a JSON array');
  });

  it('lists objects as items with s3:listObjectsV2, in key order', async () => {
    const workflow = compile(
      { CopyBatch: async (input) => (input as { batch: { Key: string } }).batch.Key },
      {
        map: {
          ItemReader: {
            Resource: 'arn:aws:states:::s3:listObjectsV2',
            Parameters: { Bucket: BUCKET, Prefix: 'six/' },
          },
        },
      },
    );
    const result = await workflow.run({ runId: 'r9' });

    expect(result.output).toMatchObject({ copied: ['six/batches.json', 'six/not-an-array.json'] });
  });

  it('lets interceptTask fail one child invocation the way Lambda fails', async () => {
    const workflow = compile({ CopyBatch: failFor([]) }, { map: { ToleratedFailureCount: 1 } });
    const result = await workflow.run(
      { batchesKey: 'four/batches.json', runId: 'r10' },
      {
        interceptTask: (state, input, invoke) =>
          state === 'CopyBatch' && batchOf(input) === 3
            ? Promise.reject(Object.assign(new Error('Task timed out'), { name: 'Sandbox.Timedout' }))
            : invoke(),
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    const copied = (result.output as { copied: unknown[] }).copied;
    expect(copied.slice(0, 3)).toEqual([{ copied: 0 }, { copied: 1 }, { copied: 2 }]);
    expect(copied[3]).toMatchObject({ Status: 'FAILED', Error: 'Sandbox.Timedout' });
  });

  it('refuses ResultWriter and ItemBatcher when the workflow is compiled', () => {
    expect(() =>
      compile(
        {},
        {
          map: {
            ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' },
            ItemBatcher: { MaxItemsPerBatch: 2 },
          },
        },
      ),
    ).toThrow(UnsupportedByLocalEngineError);
  });
});
