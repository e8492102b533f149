import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { s5cmdExecutor } from '../../../../cluster-manifests/src/s5cmd.ts';
import { throughputVerdict } from '../../../../functions/core/validation/s5cmd-throughput.ts';
import {
  S5CMD_THROUGHPUT_SCRIPT,
  throughputJobManifest,
} from '../../../../functions/core/validation/s5cmd-throughput-job.ts';

const template = s5cmdExecutor(loadClusterEnvironment('production')).find(
  (object) => (object as { kind?: string }).kind === 'CronJob',
) as V1CronJob;
const spec = {
  template,
  name: 's5cmd-throughput-20250102t030405-abcdef',
  bucket: 'lakehouse-ops-probe',
  prefix: 'performance/s5cmd-throughput-20250102t030405-abcdef',
  sizeMiB: 256,
  activeDeadlineSeconds: 300,
};

describe('throughputJobManifest', () => {
  it('runs the throughput script in the template pod, keeping its identity, mounts and environment', () => {
    const job = throughputJobManifest(spec) as V1Job;
    const pod = job.spec?.template.spec;
    const templatePod = template.spec?.jobTemplate.spec?.template.spec;
    const [container] = pod?.containers ?? [];

    expect(job.metadata).toMatchObject({ name: spec.name, namespace: 's5cmd' });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    expect(job.spec?.template.metadata?.labels).toMatchObject({
      'app.kubernetes.io/component': 's5cmd-throughput',
      'lakehouse-ops.io/job-name': spec.name,
    });
    expect(pod?.serviceAccountName).toBe(templatePod?.serviceAccountName);
    expect(pod?.volumes).toEqual(templatePod?.volumes);
    expect(container?.image).toBe(templatePod?.containers[0]?.image);
    expect(container?.command).toEqual(['/bin/sh', '-c', S5CMD_THROUGHPUT_SCRIPT]);
    expect(container?.env?.map((variable) => variable.name)).toEqual([
      ...(templatePod?.containers[0]?.env ?? []).map((variable) => variable.name),
      'THROUGHPUT_BUCKET',
      'THROUGHPUT_PREFIX',
      'THROUGHPUT_SIZE_MIB',
    ]);
    expect(container?.env).toContainEqual({ name: 'THROUGHPUT_SIZE_MIB', value: '256' });
  });

  it('describes the problem when the template has no container', () => {
    const empty: V1CronJob = { ...template, spec: { schedule: '0 0 31 2 *', jobTemplate: {} } };

    expect(throughputJobManifest({ ...spec, template: empty })).toBe(
      'CronJob s5cmd/s5cmd-executor has no jobTemplate with a container to run',
    );
  });
});

describe('throughputVerdict', () => {
  const result = {
    format: 'lakehouse-ops/s5cmd-throughput@1' as const,
    bytes: 256 * 1024 * 1024,
    uploadMs: 2000,
    downloadMs: 1000,
    sha256: 'a'.repeat(64),
  };

  it('passes when both directions reach the threshold', () => {
    expect(throughputVerdict(result, 128, {})).toMatchObject({
      status: 'PASSED',
      detail: 's5cmd moved 256 MiB through MinIO at 128 MiB/s up and 256 MiB/s down (threshold 128 MiB/s)',
      observations: { uploadMiBPerSecond: 128, downloadMiBPerSecond: 256, thresholdMiBPerSecond: 128 },
    });
  });

  it('fails naming the direction below the threshold', () => {
    expect(throughputVerdict(result, 200, {})).toMatchObject({
      status: 'FAILED',
      detail: 'upload 128 MiB/s is below the threshold of 200 MiB/s',
    });
  });

  it('counts a copy quicker than a millisecond as one millisecond', () => {
    expect(
      throughputVerdict({ ...result, bytes: 1024 * 1024, downloadMs: 0 }, 1, {}).observations,
    ).toMatchObject({
      downloadMiBPerSecond: 1000,
    });
  });
});
