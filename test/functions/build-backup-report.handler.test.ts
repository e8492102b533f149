import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/build-backup-report.handler.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';

const runId = '20260301T020000Z-0badcafe';

describe('build-backup-report handler', () => {
  const { output } = useHandlerEnvironment(() => ({ ENVIRONMENT_NAME: 'staging' }));

  it('returns the report and publishes its metrics as EMF', async () => {
    const report = await handler(
      {
        request: {
          buckets: ['raw'],
          dryRun: false,
          requestedBy: 'schedule',
          runId,
          startedAt: new Date(Date.now() - 60_000).toISOString(),
        },
        postgres: { state: 'SKIPPED' },
        buckets: [
          {
            status: 'BACKED_UP',
            run: {
              bucket: 'raw',
              runId,
              owner: 'execution-a',
              plan: {
                runId,
                previousRunId: null,
                scanned: { objects: 5, bytes: 50 },
                toCopy: { objects: 5, bytes: 50 },
                unchanged: 0,
                deleted: 0,
                batches: 1,
              },
              manifest: { manifestKey: `manifests/raw/${runId}.jsonl`, objects: 5, bytes: 50 },
            },
          },
        ],
        volumes: {
          state: 'COMPLETED',
          startedAt: '2026-03-01T02:00:00Z',
          jobs: [],
          volumes: [],
          ignored: [],
        },
      },
      lambdaContext(),
    );
    expect(report).toMatchObject({ status: 'SUCCEEDED', environment: 'staging', objects: { copied: 5 } });
    const metrics = emittedMetrics(output().lines());
    expect(metrics).toContainEqual(
      expect.objectContaining({
        BackupObjectsCopied: 5,
        BackupBytesCopied: 50,
        BackupSucceeded: 1,
        environment: 'staging',
      }),
    );
  });
});
