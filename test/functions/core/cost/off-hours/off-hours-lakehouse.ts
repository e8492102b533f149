import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createKubernetesApi, type KubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import {
  eksNodeGroupControl,
  type NodeGroupControl,
} from '../../../../../functions/core/cost/off-hours/node-groups.ts';
import {
  type OffHoursScope,
  offHoursSettingsSchema,
  resolveScope,
} from '../../../../../functions/core/cost/off-hours/settings.ts';
import type { SnapshotTable } from '../../../../../functions/core/cost/off-hours/snapshot-store.ts';
import { defaultPlatformLayout, type PlatformLayout } from '../../../../../functions/core/platform/layout.ts';
import { type AwsSim, LOCAL_ACCOUNT_ID, startAwsSim } from '../../../../../local/aws-sim/server.ts';
import { type KubeObject, type KubeSim, startKubeSim } from '../../../../../local/kube-sim/index.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../../../local/lakehouse/dynamodb.ts';
import { kubeSimNodeGroupScaler } from '../../../../../local/lakehouse/node-group-scaler.ts';
import { KUBERNETES_VERSION, NODE_POOLS, poolNode } from '../../../../../local/lakehouse/seed/node-pools.ts';
import { buildPlatformObjects, imagesOf } from '../../../../../local/lakehouse/seed/platform-objects.ts';

/**
 * The seeded lakehouse platform (local/lakehouse/seed) on a fresh kube-sim per test, its managed
 * node groups in aws-sim's EKS (resizing one adds or removes kube-sim Nodes, as the Auto Scaling
 * group would), and the ops table on dynalite (one per file; each test its own environment name).
 */
export const REGION = 'eu-central-1';
export const CLUSTER = 'lakehouse-off-hours-test';
const TABLE = 'lakehouse-ops-test-ops';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export interface OffHoursLakehouse {
  sim(): KubeSim;
  api(): KubernetesApi;
  awsSim(): AwsSim;
  nodeGroups(): NodeGroupControl;
  snapshots(): SnapshotTable;
  /** A fresh environment name per test, so their snapshots never meet in the shared table. */
  environment(): string;
  layout: PlatformLayout;
  scope: OffHoursScope;
}

export function useOffHoursLakehouse(extraObjects: () => KubeObject[] = () => []): OffHoursLakehouse {
  const layout = defaultPlatformLayout;
  let dynamo: LocalDynamoDb | undefined;
  let dynamoDb: DynamoDBClient | undefined;
  let sim: KubeSim | undefined;
  let api: KubernetesApi | undefined;
  let aws: AwsSim | undefined;
  let eks: EKSClient | undefined;
  let environmentNumber = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb({ opsTableName: TABLE, region: REGION, credentials });
    dynamoDb = new DynamoDBClient({ endpoint: dynamo.url, region: REGION, credentials });
  });
  afterAll(async () => {
    dynamoDb?.destroy();
    await dynamo?.stop();
  });
  beforeEach(async () => {
    environmentNumber += 1;
    const platform = [...buildPlatformObjects(layout, REGION, LOCAL_ACCOUNT_ID), ...extraObjects()];
    sim = await startKubeSim({ images: imagesOf(platform), enforceImages: true });
    for (const pool of NODE_POOLS) {
      for (let ordinal = 0; ordinal < pool.desiredSize; ordinal += 1)
        sim.addNode(poolNode(pool, ordinal, REGION, layout));
    }
    for (const object of platform) sim.apply(object);
    await sim.settle();
    api = createKubernetesApi({ server: sim.url, token: sim.token });
    aws = await startAwsSim({
      region: REGION,
      clusters: [{ name: CLUSTER, version: KUBERNETES_VERSION, endpoint: sim.url, nodeGroups: NODE_POOLS }],
      nodeGroupScaler: kubeSimNodeGroupScaler(sim, REGION, layout),
    });
    eks = new EKSClient({ endpoint: aws.url, region: REGION, credentials });
  });
  afterEach(async () => {
    eks?.destroy();
    await aws?.stop();
    await sim?.stop();
    sim = undefined;
  });

  const started = <Value>(value: Value | undefined): Value => {
    if (value === undefined) throw new Error('the off-hours lakehouse is used outside a test');
    return value;
  };
  return {
    sim: () => started(sim),
    api: () => started(api),
    awsSim: () => started(aws),
    nodeGroups: () => eksNodeGroupControl({ eks: started(eks), clusterName: CLUSTER }),
    snapshots: () => ({ dynamoDb: started(dynamoDb), tableName: TABLE }),
    environment: () => `test-${environmentNumber}`,
    layout,
    scope: resolveScope(offHoursSettingsSchema.parse({}), layout),
  };
}
