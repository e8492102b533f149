import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadClusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import { s5cmdExecutor } from '../../cluster-manifests/src/s5cmd.ts';
import { handler } from '../../functions/check-s5cmd-throughput.handler.ts';
import { clearMinioClientCache } from '../../functions/commons/minio-client.ts';
import { defaultPlatformLayout } from '../../functions/core/platform/layout.ts';
import type { KubeObject } from '../../local/kube-sim/model.ts';
import { type S3Endpoint, startS3Endpoint } from '../../local/lakehouse/s3-endpoint.ts';
import { type S5cmdJobExecutors, s5cmdJobExecutors } from '../../local/s5cmd/s5cmd-executor.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { useSimulatedCluster } from './support/simulators.ts';

const MINIO_CREDENTIALS = { accessKeyId: 'minio-throughput', secretAccessKey: 'minio-throughput-secret' };
const SECRET_ID = 'lakehouse/test/minio-credentials';
const { namespace } = defaultPlatformLayout.s5cmd;

// The Job runs the development environment's real s5cmd template (cluster-manifests) in kube-sim,
// whose s5cmd executor copies through s3rver (as the local lakehouse's does).
describe('check-s5cmd-throughput handler', () => {
  let minio: S3Endpoint | undefined;
  let executors: S5cmdJobExecutors | undefined;
  beforeAll(async () => {
    minio = await startS3Endpoint({
      name: 'throughput-minio',
      buckets: [defaultPlatformLayout.minio.probeBucket],
      credentials: MINIO_CREDENTIALS,
    });
    executors = s5cmdJobExecutors({ minio: { endpoint: minio.url, ...MINIO_CREDENTIALS } });
  }, 60_000);
  afterAll(async () => {
    await executors?.stop();
    await minio?.stop();
  });

  const cluster = useSimulatedCluster(
    () => ({
      namespaces: ['default', namespace],
      nodes: [{ name: 'compute-a', nodeGroup: 'compute' }],
      jobExecutors: executors?.jobExecutors ?? {},
    }),
    () => ({ secrets: [{ name: SECRET_ID, value: MINIO_CREDENTIALS }] }),
  );
  useHandlerEnvironment(() => ({
    ...cluster.environment(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: cluster.awsSim().url,
    MINIO_ENDPOINT: minio?.url ?? '',
    MINIO_CREDENTIALS_SECRET_ID: SECRET_ID,
    PERFORMANCE_S5CMD_TRANSFER_MIB: '8',
    PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND: '0.5',
  }));
  let seeded = false;
  beforeEach(() => {
    clearMinioClientCache();
    if (seeded) return;
    for (const object of s5cmdExecutor(loadClusterEnvironment('development'))) {
      cluster.kube().apply(object as unknown as KubeObject);
    }
    seeded = true;
  });

  it('returns PASSED with the MiB/s the Job measured through MinIO', async () => {
    const result = await handler({}, lambdaContext());

    expect(result, result.detail).toMatchObject({
      name: 's5cmd-throughput',
      status: 'PASSED',
      observations: { bytes: 8 * 1024 * 1024, thresholdMiBPerSecond: 0.5 },
    });
    expect(result.observations.uploadMs).toBeGreaterThan(0);
    expect(result.observations.uploadMiBPerSecond).toBeGreaterThan(0);
    const job = result.observations.job as { name: string };
    expect(cluster.kube().get('batch/v1', 'Job', job.name, namespace)).toBeDefined();
  }, 90_000);

  it('returns FAILED naming both rates when the threshold is above what MinIO delivers', async () => {
    vi.stubEnv('PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND', '1000000');

    const result = await handler({}, lambdaContext());

    expect(result.status).toBe('FAILED');
    expect(result.detail).toMatch(
      /^upload [\d.]+ MiB\/s is below the threshold of 1000000 MiB\/s; download [\d.]+ MiB\/s is below/,
    );
  }, 90_000);

  it('returns FAILED with the container log when the Job cannot reach its bucket', async () => {
    vi.stubEnv('PLATFORM_LAYOUT', JSON.stringify({ minio: { probeBucket: 'no-such-bucket' } }));

    const result = await handler({}, lambdaContext());

    expect(result.status).toBe('FAILED');
    expect(result.detail).toMatch(
      /s5cmd throughput Job s5cmd\/s5cmd-throughput-.* failed: BackoffLimitExceeded \(exit code \d+\)/,
    );
    expect(result.detail).toContain('NoSuchBucket');
  }, 90_000);

  it('returns FAILED when the s5cmd Job template does not exist', async () => {
    vi.stubEnv('PLATFORM_LAYOUT', JSON.stringify({ s5cmd: { jobTemplateCronJob: 'missing-template' } }));

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'CronJob s5cmd/missing-template (the s5cmd Job template) not found',
    });
  });
});
