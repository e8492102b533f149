import { beforeEach, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { checkS5cmdExecutor, imagePinProblem } from '../../../../functions/core/validation/s5cmd-executor.ts';
import { FakeClusterReader } from '../../support/fake-cluster-reader.ts';
import { cronJob, serviceAccount } from '../../support/kubernetes-objects.ts';

describe('checkS5cmdExecutor', () => {
  let reader: FakeClusterReader;
  const check = () => checkS5cmdExecutor({ reader, layout: defaultPlatformLayout });

  beforeEach(() => {
    reader = new FakeClusterReader();
    reader.serviceAccounts = [serviceAccount('s5cmd', 's5cmd-executor')];
    reader.cronJobs = [cronJob('s5cmd', 's5cmd-executor', { images: ['peakcom/s5cmd:v2.3.0'] })];
  });

  it('passes when the ServiceAccount exists and the suspended template pins its image', async () => {
    const result = await check();

    expect(result).toMatchObject({
      name: 's5cmd-executor',
      status: 'PASSED',
      observations: {
        serviceAccount: { found: true },
        cronJob: { suspended: true, images: ['peakcom/s5cmd:v2.3.0'], serviceAccountName: 's5cmd-executor' },
      },
    });
  });

  it('fails when the image is latest and the template is not suspended', async () => {
    reader.cronJobs = [
      cronJob('s5cmd', 's5cmd-executor', { suspend: false, images: ['peakcom/s5cmd:latest'] }),
    ];

    const result = await check();

    expect(result.status).toBe('FAILED');
    expect(result.detail).toBe(
      'CronJob s5cmd/s5cmd-executor is not suspended; as a template it must never run; ' +
        'container s5cmd-0: image peakcom/s5cmd:latest uses the mutable tag "latest"',
    );
  });

  it('fails when the ServiceAccount and the CronJob are missing', async () => {
    reader.serviceAccounts = [];
    reader.cronJobs = [];

    const result = await check();

    expect(result.detail).toBe(
      'ServiceAccount s5cmd/s5cmd-executor not found; CronJob s5cmd/s5cmd-executor (the Job template) not found',
    );
  });
});

describe('imagePinProblem', () => {
  it.each([
    'peakcom/s5cmd:v2.3.0',
    'registry.example:5000/tools/s5cmd:2.3.0',
    `peakcom/s5cmd@sha256:${'a'.repeat(64)}`,
    `peakcom/s5cmd:v2.3.0@sha256:${'b'.repeat(64)}`,
  ])('accepts %s as pinned', (image) => {
    expect(imagePinProblem(image)).toBeUndefined();
  });

  it.each([
    ['peakcom/s5cmd', 'has no tag or digest'],
    ['registry.example:5000/tools/s5cmd', 'has no tag or digest'],
    ['peakcom/s5cmd:latest', 'mutable tag "latest"'],
    [undefined, 'no image set'],
  ])('rejects %s', (image, problem) => {
    expect(imagePinProblem(image)).toContain(problem);
  });
});
