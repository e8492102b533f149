import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadClusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import { postgresLocation } from '../../cluster-manifests/src/identities.ts';
import { IMAGES } from '../../cluster-manifests/src/images.ts';
import { DR_CHECK_NAMES } from '../../functions/core/dr/validation/dr-platform.ts';
import { defaultPlatformLayout } from '../../functions/core/platform/layout.ts';
import { provisionEnvironmentVariable } from '../../functions/core/provision/settings.ts';
import { handler as switchTraffic } from '../../functions/switch-traffic.handler.ts';
import { handler as validateDrPlatform } from '../../functions/validate-dr-platform.handler.ts';
import { type AwsSim, startAwsSim } from '../../local/aws-sim/server.ts';
import {
  type DrStandbyCluster,
  platformHostedZone,
  startDrStandbyCluster,
} from '../../local/lakehouse/dr-side.ts';
import { type PrefectApiStandIn, startPrefectApiStandIn } from '../../local/lakehouse/prefect-api.ts';
import { type S3Endpoint, startS3Endpoint } from '../../local/lakehouse/s3-endpoint.ts';
import { DNS, localTrafficSettings } from './core/dr/traffic/local-traffic.ts';
import { AWS_TEST_CREDENTIALS, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';
import { TEST_ACCOUNT } from './support/simulators.ts';

const DEVELOPMENT = loadClusterEnvironment('development');
const DR_REGION = 'eu-west-1';
const ZONE_ID = 'ZLOCALPLATFORM';
const REPLICA_BUCKET = 'lakehouse-replica';
const FAILOVER_ID = '20260301T020000Z-f1f1f1';
const DATABASE = postgresLocation(DEVELOPMENT);
const { prefect: PREFECT } = defaultPlatformLayout;
const context = lambdaContext('validate-dr-platform');

/** The lakehouse workloads as the DR bring-up leaves them (only what validation reads). */
function drWorkloads() {
  const template = (app: string, image: string) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: app, image }] },
  });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: PREFECT.serverDeployment, namespace: PREFECT.namespace },
      spec: {
        replicas: PREFECT.serverReplicas,
        selector: { matchLabels: { app: 'prefect-server' } },
        template: template('prefect-server', IMAGES.prefect),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'prefect-worker',
        namespace: PREFECT.namespace,
        labels: { 'app.kubernetes.io/component': 'prefect-worker' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'prefect-worker' } },
        template: template('prefect-worker', IMAGES.prefect),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: DATABASE.service, namespace: DATABASE.namespace },
      spec: {
        replicas: 1,
        serviceName: DATABASE.service,
        selector: { matchLabels: { app: 'postgresql' } },
        template: template('postgresql', IMAGES.postgresql),
      },
    },
  ];
}

describe('validate-dr-platform handler (standby kube-sim, Route 53 simulator, s3rver replica)', () => {
  const dynamo = useLocalDynamoDb();
  let standby: DrStandbyCluster;
  let sim: AwsSim;
  let replica: S3Endpoint;
  let prefect: PrefectApiStandIn;

  beforeAll(async () => {
    [standby, replica, prefect] = await Promise.all([
      startDrStandbyCluster({
        clusterName: DEVELOPMENT.clusterName,
        drRegion: DR_REGION,
        layout: defaultPlatformLayout,
        images: Object.values(IMAGES),
      }),
      startS3Endpoint({
        name: 'dr-validation-replica',
        buckets: [REPLICA_BUCKET],
        credentials: AWS_TEST_CREDENTIALS,
      }),
      startPrefectApiStandIn({ deployments: [] }),
    ]);
    sim = await startAwsSim({
      region: DR_REGION,
      accountId: TEST_ACCOUNT,
      clusters: [standby.eksCluster],
      hostedZones: [{ ...platformHostedZone(DNS), id: ZONE_ID }],
    });
    for (const workload of drWorkloads()) standby.kube.apply(workload);
    await standby.kube.settle();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([sim?.stop(), standby?.stop(), replica?.stop(), prefect?.stop()]);
  });

  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    AWS_ENDPOINT_URL_ROUTE_53: sim.url,
    AWS_ENDPOINT_URL_EKS: sim.url,
    AWS_ENDPOINT_URL_S3: replica.url,
    AWS_MAX_ATTEMPTS: '1',
    DR_TRAFFIC: JSON.stringify(localTrafficSettings(DNS, ZONE_ID)),
    DR_REGION,
    DR_CLUSTER_NAME: standby.eksCluster.name,
    PROVISION_ENVIRONMENT: provisionEnvironmentVariable(DEVELOPMENT),
    REPLICA_BUCKET_NAME: REPLICA_BUCKET,
    REPLICA_BUCKET_REGION: DR_REGION,
    DR_PREFECT_API_URL: prefect.url,
  }));

  const validate = (failoverId = FAILOVER_ID) => validateDrPlatform({ failoverId }, context);
  const checkNamed = async (name: string, failoverId?: string) =>
    (await validate(failoverId)).checks.find((check) => check.name === name);

  it('is HEALTHY once the drill records point at DR and every check passes', async () => {
    const drill = { failoverId: FAILOVER_ID, direction: 'to-dr', mode: 'drill' } as const;
    await expectFailure(switchTraffic(drill, lambdaContext('switch-traffic')), 'DnsChangeNotInSyncError');
    await switchTraffic(drill, lambdaContext('switch-traffic'));

    const report = await validate();

    expect(report.checks.map((check) => check.name)).toEqual([...DR_CHECK_NAMES]);
    expect(report.checks.filter((check) => !check.passed)).toEqual([]);
    expect(report).toMatchObject({ failoverId: FAILOVER_ID, status: 'HEALTHY' });
    expect(report.checks.find((check) => check.name === 'dr-traffic')?.detail).toBe(
      `all 3 drill records point at their DR targets (${Object.values(DNS.drillRecords).join(', ')})`,
    );
    expect(report.checks.find((check) => check.name === 'dr-object-store')?.detail).toContain(
      `wrote, read back and verified 4096 bytes in ${REPLICA_BUCKET}`,
    );
  });

  it('fails dr-nodes when a DR node is NotReady', async () => {
    const [node] = standby.kube.list('v1', 'Node');
    const name = node!.metadata.name!;
    standby.kube.setNodeReady(name, false);
    try {
      const report = await validate();
      expect(report.status).toBe('UNHEALTHY');
      expect(report.checks.find((check) => check.name === 'dr-nodes')).toMatchObject({
        passed: false,
        detail: expect.stringContaining(`${name}: NotReady`),
      });
    } finally {
      standby.kube.setNodeReady(name, true);
      await standby.kube.settle();
    }
  });

  it('fails dr-prefect-rollout when the worker is scaled to zero', async () => {
    const [, worker] = drWorkloads();
    standby.kube.apply({ ...worker!, spec: { ...worker!.spec, replicas: 0 } });
    await standby.kube.settle();
    try {
      expect(await checkNamed('dr-prefect-rollout')).toEqual({
        name: 'dr-prefect-rollout',
        passed: false,
        detail: 'Deployment prefect/prefect-worker is scaled to zero',
      });
    } finally {
      standby.kube.apply(worker!);
      await standby.kube.settle();
    }
  });

  it('fails dr-prefect-api when the DR target does not answer', async () => {
    vi.stubEnv('DR_PREFECT_API_URL', 'http://127.0.0.1:9/api');
    expect(await checkNamed('dr-prefect-api')).toMatchObject({
      passed: false,
      detail: expect.stringContaining(
        'the Prefect API at http://127.0.0.1:9/api does not answer: GET /health: TransientError',
      ),
    });
  });

  it('fails dr-postgresql when the database StatefulSet is missing', async () => {
    const [, , database] = drWorkloads();
    standby.kube.delete('apps/v1', 'StatefulSet', DATABASE.service, DATABASE.namespace);
    try {
      expect(await checkNamed('dr-postgresql')).toEqual({
        name: 'dr-postgresql',
        passed: false,
        detail: `StatefulSet ${DATABASE.namespace}/${DATABASE.service} not found`,
      });
    } finally {
      standby.kube.apply(database!);
      await standby.kube.settle();
    }
  });

  it('fails dr-object-store when the replica bucket is not there', async () => {
    vi.stubEnv('REPLICA_BUCKET_NAME', 'no-such-replica');
    expect(await checkNamed('dr-object-store')).toEqual({
      name: 'dr-object-store',
      passed: false,
      detail:
        'replica bucket no-such-replica does not exist or is not visible: check REPLICA_BUCKET_NAME and REPLICA_BUCKET_REGION',
    });
  });

  it('fails dr-traffic when no switch to DR is recorded for the failover', async () => {
    expect(await checkNamed('dr-traffic', '20260301T020000Z-0e0e0e')).toEqual({
      name: 'dr-traffic',
      passed: false,
      detail:
        'no switch to DR is recorded for failover 20260301T020000Z-0e0e0e in test: run switch-traffic (direction to-dr) first',
    });
  });

  it('fails dr-traffic, naming the record, when a switched record points back at the primary', async () => {
    const back = { failoverId: FAILOVER_ID, direction: 'to-primary', mode: 'drill' } as const;
    await expectFailure(switchTraffic(back, lambdaContext('switch-traffic')), 'DnsChangeNotInSyncError');
    expect(await checkNamed('dr-traffic')).toMatchObject({
      passed: false,
      detail: expect.stringContaining(
        `${DNS.drillRecords.prefectApi} points at ${DNS.primaryTargets.prefectApi}, not the DR target ${DNS.drTargets.prefectApi}`,
      ),
    });
  });

  it('fails every Kubernetes check, saying why, when the DR cluster does not answer', async () => {
    vi.stubEnv('DR_CLUSTER_NAME', 'no-such-cluster');
    const report = await validate();
    for (const name of ['dr-nodes', 'dr-prefect-rollout', 'dr-postgresql']) {
      expect(report.checks.find((check) => check.name === name)).toMatchObject({
        passed: false,
        detail: expect.stringContaining(
          `the ${name} check could not be evaluated: ConfigurationError: EKS cluster no-such-cluster does not exist`,
        ),
      });
    }
  });

  itRefusesEnvironment('DR_PREFECT_API_URL', 'not a url', () => validate());
});
