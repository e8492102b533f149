import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { loadClusterEnvironment } from '../../../../../cluster-manifests/src/environments.ts';
import { IMAGES } from '../../../../../cluster-manifests/src/images.ts';
import { createKubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import { defaultPlatformLayout } from '../../../../../functions/core/platform/layout.ts';
import { PG_TOOLS_IMAGE, runPgDumpJob } from '../../../../../functions/core/postgres/index.ts';
import { provisionEnvironmentVariable } from '../../../../../functions/core/provision/settings.ts';
import { type AwsSim, startAwsSim } from '../../../../../local/aws-sim/server.ts';
import { type KubeSim, startKubeSim } from '../../../../../local/kube-sim/index.ts';
import { type DrStandbyCluster, startDrStandbyCluster } from '../../../../../local/lakehouse/dr-side.ts';
import { type LakehousePostgres, startLakehousePostgres } from '../../../../../local/lakehouse/postgres.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../../../local/lakehouse/s3-endpoint.ts';
import { NODE_POOLS } from '../../../../../local/lakehouse/seed/node-pools.ts';
import {
  localPostgresNames,
  postgresAccessObjects,
} from '../../../../../local/lakehouse/seed/postgres-access.ts';
import { TEST_ACCOUNT } from '../../../support/simulators.ts';
import { BACKUP_BUCKET, credentials, s3ClientFor } from '../../backup/support/backup-endpoints.ts';

/**
 * The DR side as dr-failover finds it when it brings the lakehouse up: the standby cluster
 * (kube-sim at its node groups' minimum sizes, nothing deployed) behind aws-sim's EKS in the DR
 * region, the DR-region S3 with the backup bucket (Prefect dumps, taken beforehand by the
 * production pg_dump Job on a "primary" kube-sim) and the replica bucket, and a real PostgreSQL
 * that the restore Job reaches as the DR cluster's database Service. The Prefect database is
 * dropped after the dumps: the DR PostgreSQL starts without it.
 */
export const DEVELOPMENT = loadClusterEnvironment('development');
export const DR_REGION = 'eu-west-1';
export const DR_CLUSTER = `${DEVELOPMENT.clusterName}-dr`;
export const REPLICA_BUCKET = 'lakehouse-replica';
export const names = localPostgresNames(defaultPlatformLayout);
/** The primary's pools at the sizes the development manifests fit on (3 system nodes for Prefect's server). */
export const PRIMARY_POOLS = NODE_POOLS.map(
  ({ name, instanceTypes, capacityType, labels, taints, minSize, maxSize }) => ({
    name,
    instanceTypes,
    capacityType,
    labels,
    taints,
    minSize,
    maxSize,
    desiredSize: { system: 3, storage: 4, compute: 2 }[name] ?? minSize,
  }),
);
export const OLDER_RUN = '20260301T020000Z-0a0a0a0a';
export const NEWER_RUN = '20260301T030000Z-0b0b0b0b';
/** Newer still, but cut off before its sidecar: never the restore point. */
export const INCOMPLETE_RUN = '20260301T040000Z-0c0c0c0c';

export interface DrSide {
  standby(): DrStandbyCluster;
  kube(): KubeSim;
  awsSim(): AwsSim;
  s3Endpoint(): S3Endpoint;
  s3(): S3Client;
  postgres(): LakehousePostgres;
  /** Flow runs in the newer dump (one more than in the older). */
  newerFlowRuns(): number;
  environment(): Record<string, string>;
}

export function useDrSide(): DrSide {
  let drS3: S3Endpoint | undefined;
  let s3: S3Client | undefined;
  let postgres: LakehousePostgres | undefined;
  let standby: DrStandbyCluster | undefined;
  let awsSim: AwsSim | undefined;
  let newerFlowRuns = 0;
  beforeAll(async () => {
    drS3 = await startS3Endpoint({
      name: 'dr-bring-up-s3',
      buckets: [BACKUP_BUCKET, REPLICA_BUCKET],
      credentials,
    });
    s3 = s3ClientFor(drS3.url);
    postgres = await startLakehousePostgres({
      names,
      s3: { endpoint: drS3.url, ...credentials, region: DR_REGION },
    });
    if (!postgres)
      throw new Error('PostgreSQL 15 and the AWS CLI must be installed (apt-get install postgresql awscli)');
    newerFlowRuns = await takeDumps(postgres, s3);
    standby = await startDrStandbyCluster({
      clusterName: DEVELOPMENT.clusterName,
      drRegion: DR_REGION,
      layout: defaultPlatformLayout,
      images: [...Object.values(IMAGES), PG_TOOLS_IMAGE],
      jobExecutors: postgres.jobExecutors,
    });
    awsSim = await startAwsSim({
      region: DR_REGION,
      accountId: TEST_ACCOUNT,
      clusters: [standby.eksCluster],
      nodeGroupScaler: standby.nodeGroupScaler,
    });
  }, 120_000);
  afterAll(async () => {
    s3?.destroy();
    await Promise.all([awsSim?.stop(), standby?.stop(), postgres?.stop(), drS3?.stop()]);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the DR side is used before its beforeAll hook ran');
    return value;
  };
  return {
    standby: () => started(standby),
    kube: () => started(standby).kube,
    awsSim: () => started(awsSim),
    s3Endpoint: () => started(drS3),
    s3: () => started(s3),
    postgres: () => started(postgres),
    newerFlowRuns: () => newerFlowRuns,
    environment: () => ({
      AWS_ENDPOINT_URL_EKS: started(awsSim).url,
      AWS_ENDPOINT_URL_S3: started(drS3).url,
      DR_REGION,
      DR_CLUSTER_NAME: DR_CLUSTER,
      PROVISION_ENVIRONMENT: provisionEnvironmentVariable(DEVELOPMENT),
      PROVISION_NODE_GROUPS: JSON.stringify(PRIMARY_POOLS),
      REPLICA_BUCKET_NAME: REPLICA_BUCKET,
      DR_OBJECT_STORE_ENDPOINT: started(drS3).url,
      BACKUP_BUCKET_NAME: BACKUP_BUCKET,
      BACKUP_BUCKET_REGION: DR_REGION,
    }),
  };
}

/** Two complete dumps (the newer with one more flow run) and an incomplete third; then the database goes. */
async function takeDumps(postgres: LakehousePostgres, s3: S3Client): Promise<number> {
  const primary = await startKubeSim({
    nodes: [{ name: 'primary-node', nodeGroup: 'system' }],
    images: [PG_TOOLS_IMAGE],
    enforceImages: true,
    jobExecutors: postgres.jobExecutors,
  });
  try {
    for (const object of postgresAccessObjects(names, TEST_ACCOUNT, 'unused-with-trust-auth'))
      primary.apply(object);
    await primary.settle();
    const kubernetes = createKubernetesApi({ server: primary.url, token: primary.token });
    const dump = (runId: string) =>
      runPgDumpJob(
        { kubernetes, s3 },
        {
          namespace: names.namespace,
          name: `pg-dump-${runId.toLowerCase()}`,
          serviceAccountName: names.dumpServiceAccount,
          connection: { host: names.host, user: names.user, passwordSecret: names.passwordSecret },
          database: names.database,
          destination: { bucket: BACKUP_BUCKET, key: `postgres/${names.database}/${runId}.dump` },
        },
        { timeoutMs: 60_000, pollIntervalMs: 100 },
      );
    await dump(OLDER_RUN);
    await postgres.server.query(
      "INSERT INTO flow_run (id, flow_id, name, state_type) SELECT gen_random_uuid(), flow_id, 'after-older-dump', 'COMPLETED' FROM flow_run LIMIT 1",
      names.database,
    );
    const newer = await dump(NEWER_RUN);
    await s3.send(
      new PutObjectCommand({
        Bucket: BACKUP_BUCKET,
        Key: `postgres/${names.database}/${INCOMPLETE_RUN}.dump`,
        Body: 'cut off before its sidecar',
      }),
    );
    await postgres.server.query(`DROP DATABASE ${names.database} WITH (FORCE)`, 'postgres');
    return newer.rowCounts['public.flow_run'] ?? -1;
  } finally {
    await primary.stop();
  }
}
