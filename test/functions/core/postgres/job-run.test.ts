import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesConflictError } from '../../../../functions/commons/errors.ts';
import { createKubernetesApi, type KubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import { PostgresJobTimeoutError } from '../../../../functions/core/postgres/errors.ts';
import { submitJob, waitForJob } from '../../../../functions/core/postgres/job-run.ts';
import { pgDumpJobManifest } from '../../../../functions/core/postgres/manifests.ts';
import { type KubeSim, startKubeSim } from '../../../../local/kube-sim/index.ts';
import { rejectionOf } from '../../../functions/support/rejection.ts';

const spec = (name: string, key: string) => ({
  namespace: 'lakehouse-ops',
  name,
  connection: { host: 'db', user: 'prefect' },
  database: 'prefect',
  destination: { bucket: 'lakehouse-backup', key },
});

let sim: KubeSim;
let kubernetes: KubernetesApi;
// No nodes: the Jobs' pods stay Pending, so nothing ever finishes.
beforeAll(async () => {
  sim = await startKubeSim({ namespaces: ['default', 'lakehouse-ops'] });
  kubernetes = createKubernetesApi({ server: sim.url, token: sim.token });
});
afterAll(() => sim.stop());

describe('submitJob', () => {
  it('adopts an existing Job of the same name and target, as a retried Lambda must', async () => {
    const job = pgDumpJobManifest(spec('pg-dump-a', 'postgres/prefect/a.dump'));
    expect(await submitJob(kubernetes, job)).toEqual({ namespace: 'lakehouse-ops', name: 'pg-dump-a' });
    expect(await submitJob(kubernetes, job)).toEqual({ namespace: 'lakehouse-ops', name: 'pg-dump-a' });
    expect(
      sim.list('batch/v1', 'Job', 'lakehouse-ops').filter((found) => found.metadata.name === 'pg-dump-a'),
    ).toHaveLength(1);
  });

  it('refuses a Job of the same name that writes elsewhere', async () => {
    await submitJob(kubernetes, pgDumpJobManifest(spec('pg-dump-b', 'postgres/prefect/b.dump')));
    const error = await rejectionOf(
      submitJob(kubernetes, pgDumpJobManifest(spec('pg-dump-b', 'postgres/prefect/other.dump'))),
    );
    expect(error).toBeInstanceOf(KubernetesConflictError);
    expect(error.message).toBe(
      'job lakehouse-ops/pg-dump-b exists already and does not write to s3://lakehouse-backup/postgres/prefect/other.dump: choose another Job name',
    );
  });
});

describe('waitForJob', () => {
  it('gives up waiting with PostgresJobTimeoutError once the wait is over', async () => {
    const reference = await submitJob(
      kubernetes,
      pgDumpJobManifest(spec('pg-dump-c', 'postgres/prefect/c.dump')),
    );
    let clock = 0;
    const sleeps: number[] = [];
    const deps = {
      kubernetes,
      now: () => clock,
      sleep: async (milliseconds: number) => {
        sleeps.push(milliseconds);
        clock += milliseconds;
      },
    };
    const error = await rejectionOf(
      waitForJob(
        deps,
        reference,
        { timeoutMs: 30_000, pollIntervalMs: 10_000 },
        () => new Error('not failed'),
      ),
    );
    expect(error).toBeInstanceOf(PostgresJobTimeoutError);
    expect(error.message).toMatch(/^job lakehouse-ops\/pg-dump-c did not finish within 30000 ms/);
    expect(sleeps).toEqual([10_000, 10_000, 10_000]);
  });
});
