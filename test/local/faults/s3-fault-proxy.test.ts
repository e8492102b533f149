import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3FaultProxy, seededRandom, startS3FaultProxy } from '../../../local/faults/s3-fault-proxy.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../local/lakehouse/s3-endpoint.ts';
import { credentials, s3ClientFor } from '../../functions/core/backup/support/backup-endpoints.ts';

describe('startS3FaultProxy', () => {
  let endpoint: S3Endpoint;
  let proxy: S3FaultProxy;
  beforeAll(async () => {
    endpoint = await startS3Endpoint({ name: 'fault-proxy', buckets: ['proxied'], credentials });
    proxy = await startS3FaultProxy({ upstream: endpoint.url, seed: 7 });
  });
  afterAll(async () => {
    await proxy.close();
    await endpoint.stop();
  });

  const list = () => s3ClientFor(proxy.url).send(new ListObjectsV2Command({ Bucket: 'proxied' }));

  it('forwards signed requests unchanged when no fault is due', async () => {
    await expect(list()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(proxy.log.at(-1)).toMatchObject({
      method: 'GET',
      path: '/proxied/',
      outcome: 'forwarded',
      status: 200,
    });
  });

  it('fails the seeded share of requests with S3 errors or resets', async () => {
    proxy.setFailureRate(0.5);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        list().then(
          () => 'ok',
          (error: Error & { code?: string }) => error.code ?? error.name,
        ),
      ),
    );
    proxy.setFailureRate(0);
    const failed = outcomes.filter((outcome) => outcome !== 'ok');
    expect(failed.length).toBeGreaterThan(8);
    expect(failed.length).toBeLessThan(32);
    for (const outcome of failed) expect(['InternalError', 'SlowDown', 'ECONNRESET']).toContain(outcome);
    const kinds = new Set(proxy.log.map((request) => request.outcome));
    expect(kinds).toEqual(new Set(['forwarded', 'error-500', 'error-503', 'reset']));
  });

  it('draws the same fault sequence from the same seed', () => {
    const first = seededRandom(42);
    const second = seededRandom(42);
    expect(Array.from({ length: 5 }, first)).toEqual(Array.from({ length: 5 }, second));
  });

  it('refuses connections while restarting and serves again on the same port', async () => {
    const restart = proxy.restart(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(list()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await restart;
    await expect(list()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });
});
