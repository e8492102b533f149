import type { S3Client } from '@aws-sdk/client-s3';
import type { ClusterReader } from '../../kubernetes/cluster-reader.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { probeMinioS3 } from '../../validation/minio-s3-probe.ts';
import { checkNodes } from '../../validation/nodes.ts';
import { checkPrefect } from '../../validation/prefect.ts';
import type { PrefectApi } from '../../validation/prefect-api.ts';
import type { TrafficKey } from '../traffic/switch-store.ts';
import { type DrCheck, fromPlatformCheck, runDrCheck } from './dr-check.ts';
import { checkPostgresReady, checkPrefectApiAnswers } from './platform-checks.ts';
import { checkTrafficOnDr, type TrafficCheckDependencies } from './traffic-check.ts';

/**
 * dr-failover step 7 (docs/dr.md, "Switching traffic and validating the DR side"): the lakehouse
 * on the DR side, with validate-platform's own checks where they exist (nodes, Prefect rollout,
 * the object store's write/read/delete probe) pointed at the DR cluster and the replica bucket,
 * plus what only a failover has to prove: the Prefect API answers through the DR target, the
 * restored database is up, and the platform records point at DR. The checks run at the same time;
 * each is a verdict, and the platform is HEALTHY only when every one passed.
 */
export interface DrPlatformDependencies {
  readonly reader: ClusterReader;
  readonly layout: PlatformLayout;
  readonly database: { readonly namespace: string; readonly statefulSet: string };
  readonly prefect: { readonly api: PrefectApi; readonly url: string };
  /** The replica bucket, probed under `probes/` (validate-platform's probe prefix). */
  readonly replica: { readonly s3: S3Client; readonly bucket: string };
  readonly traffic: TrafficCheckDependencies;
}

export const DR_CHECK_NAMES = [
  'dr-nodes',
  'dr-prefect-rollout',
  'dr-prefect-api',
  'dr-postgresql',
  'dr-object-store',
  'dr-traffic',
] as const;

export interface DrPlatformReport {
  readonly status: 'HEALTHY' | 'UNHEALTHY';
  readonly checks: readonly DrCheck[];
}

export async function validateDrPlatform(
  deps: DrPlatformDependencies,
  key: TrafficKey,
): Promise<DrPlatformReport> {
  const kubernetes = { reader: deps.reader, layout: deps.layout };
  const checks = await Promise.all([
    runDrCheck('dr-nodes', async () => fromPlatformCheck(await checkNodes(kubernetes))),
    runDrCheck('dr-prefect-rollout', async () => fromPlatformCheck(await checkPrefect(kubernetes))),
    runDrCheck('dr-prefect-api', () => checkPrefectApiAnswers(deps.prefect.api, deps.prefect.url)),
    runDrCheck('dr-postgresql', () => checkPostgresReady(deps.reader, deps.database)),
    runDrCheck('dr-object-store', () => probeReplica(deps.replica)),
    runDrCheck('dr-traffic', () => checkTrafficOnDr(deps.traffic, key)),
  ]);
  return { status: checks.every((check) => check.passed) ? 'HEALTHY' : 'UNHEALTHY', checks };
}

async function probeReplica(replica: DrPlatformDependencies['replica']): Promise<Omit<DrCheck, 'name'>> {
  const verdict = fromPlatformCheck(await probeMinioS3(replica));
  // The probe core names MinIO's setting for a missing bucket; on the DR side it is the replica's.
  const missing =
    !verdict.passed && verdict.detail.startsWith(`probe bucket ${replica.bucket} does not exist`);
  return missing
    ? {
        passed: false,
        detail: `replica bucket ${replica.bucket} does not exist or is not visible: check REPLICA_BUCKET_NAME and REPLICA_BUCKET_REGION`,
      }
    : verdict;
}
