import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../functions/core/platform/layout.ts';
import { type KubeSim, startKubeSim } from '../../../local/kube-sim/index.ts';
import { startDrDatabaseVolume } from '../../../local/lakehouse/dr-database-volume.ts';
import {
  type LakehousePostgres,
  postgresInstalled,
  startDrPostgres,
} from '../../../local/lakehouse/postgres.ts';
import { localPostgresNames } from '../../../local/lakehouse/seed/postgres-access.ts';
import { eventually } from '../support/eventually.ts';

const names = localPostgresNames(defaultPlatformLayout);
const claim = (name: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: names.namespace },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

describe.runIf(postgresInstalled())('startDrDatabaseVolume', () => {
  let kube: KubeSim;
  let postgres: LakehousePostgres;
  let volume: { stop(): Promise<void> };
  const databases = async () =>
    (await postgres.server.query('SELECT datname FROM pg_database', 'postgres')).map(([name]) => name);

  beforeAll(async () => {
    kube = await startKubeSim({});
    const started = await startDrPostgres({
      names,
      s3: {
        endpoint: 'http://127.0.0.1:1',
        accessKeyId: 'unused',
        secretAccessKey: 'unused',
        region: 'eu-west-1',
      },
    });
    if (!started) throw new Error('PostgreSQL is installed but did not start');
    postgres = started;
    volume = startDrDatabaseVolume({ kube, server: postgres.server, names, intervalMs: 20 });
  }, 60_000);
  afterAll(async () => {
    await volume?.stop();
    await Promise.all([postgres?.stop(), kube?.stop()]);
  });

  it("starts without the Prefect database, keeps it while the StatefulSet's claim exists, and drops it with the claim", async () => {
    expect(await databases()).not.toContain(names.database);
    kube.apply(claim('data-prefect-postgresql-0'));
    kube.apply(claim('data-other-statefulset-0'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await postgres.server.createDatabase(names.database);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await databases()).toContain(names.database);

    kube.delete('v1', 'PersistentVolumeClaim', 'data-prefect-postgresql-0', names.namespace);
    await eventually(async () => ((await databases()).includes(names.database) ? undefined : true));
  });
});
