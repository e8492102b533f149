import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route53TrafficDns } from '../../../functions/core/dr/traffic/route53-dns.ts';
import { switchRecords } from '../../../functions/core/dr/traffic/switch-records.ts';
import type { KubeObject, Node } from '../../../local/kube-sim/index.ts';
import {
  type LocalDrSide,
  type PlatformService,
  RECORD_TTL_SECONDS,
} from '../../../local/lakehouse/dr-side.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../../local/lakehouse/index.ts';
import { MARKET_DATA_BUCKET } from '../../../local/lakehouse/seed/buckets.ts';
import { NODE_POOLS } from '../../../local/lakehouse/seed/node-pools.ts';
import { eventually } from '../support/eventually.ts';

describe('startLocalLakehouse({ drSide: true })', () => {
  let lakehouse: LocalLakehouse;
  let dr: LocalDrSide;
  const env = () => lakehouse.environment;
  const awsConfig = () => ({
    credentials: { accessKeyId: env().AWS_ACCESS_KEY_ID!, secretAccessKey: env().AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 1,
  });
  const eks = () =>
    new EKSClient({ ...awsConfig(), region: lakehouse.drRegion, endpoint: env().AWS_ENDPOINT_URL_EKS });
  const minio = () =>
    new S3Client({
      ...awsConfig(),
      region: lakehouse.region,
      endpoint: env().MINIO_ENDPOINT,
      credentials: lakehouse.s3Credentials,
      forcePathStyle: true,
    });
  const kubernetesAnswers = async (url: string) => {
    try {
      return (await fetch(`${url}/version`)).ok;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse({ drSide: true });
    dr = lakehouse.dr!;
  }, 60_000);
  afterAll(() => lakehouse?.stop());

  describe('the standby cluster', () => {
    it('is registered in EKS as <clusterName>-dr with its own Kubernetes API', async () => {
      expect(dr.clusterName).toBe(`${lakehouse.clusterName}-dr`);
      const { cluster } = await eks().send(new DescribeClusterCommand({ name: dr.clusterName }));
      expect(cluster).toMatchObject({ status: 'ACTIVE', endpoint: dr.kube.url });
      expect(dr.kube.url).not.toBe(lakehouse.kube.url);
    });

    it('runs every node group at its minimum size with Nodes named in the DR region, and nothing deployed', () => {
      for (const pool of NODE_POOLS) {
        const nodes = dr.kube.list<Node>('v1', 'Node', undefined, `eks.amazonaws.com/nodegroup=${pool.name}`);
        expect(nodes).toHaveLength(pool.minSize);
        for (const node of nodes)
          expect(node.metadata.name).toContain(`.${lakehouse.drRegion}.compute.internal`);
      }
      expect(dr.kube.list('v1', 'Namespace').map((namespace) => namespace.metadata.name)).not.toContain(
        lakehouse.layout.prefect.namespace,
      );
      expect(dr.kube.list('apps/v1', 'Deployment')).toEqual([]);
      expect(dr.kube.list('v1', 'Pod')).toEqual([]);
    });

    it('scales its own Nodes when a DR node group is scaled, leaving the primary cluster alone', async () => {
      const client = eks();
      const primaryNodes = lakehouse.kube.list('v1', 'Node').length;
      await client.send(
        new UpdateNodegroupConfigCommand({
          clusterName: dr.clusterName,
          nodegroupName: 'compute',
          scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 2 },
        }),
      );
      const { nodegroup } = await client.send(
        new DescribeNodegroupCommand({ clusterName: dr.clusterName, nodegroupName: 'compute' }),
      );
      expect(nodegroup?.scalingConfig?.desiredSize).toBe(2);
      expect(dr.kube.list('v1', 'Node', undefined, 'eks.amazonaws.com/nodegroup=compute')).toHaveLength(2);
      expect(lakehouse.kube.list('v1', 'Node')).toHaveLength(primaryNodes);
      await client.send(
        new UpdateNodegroupConfigCommand({
          clusterName: dr.clusterName,
          nodegroupName: 'compute',
          scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
        }),
      );
      expect(dr.kube.list('v1', 'Node', undefined, 'eks.amazonaws.com/nodegroup=compute')).toHaveLength(0);
    });
  });

  describe('the platform hosted zone', () => {
    it('points every production and drill record at the primary region, resolving to local services', () => {
      const services = Object.keys(dr.dns.records) as PlatformService[];
      for (const records of [dr.dns.records, dr.dns.drillRecords]) {
        for (const service of services)
          expect(dr.resolve(records[service]).target).toBe(dr.dns.primaryTargets[service]);
      }
      expect(dr.resolve(dr.dns.records.prefectApi).url).toBe(env().PREFECT_API_URL);
      expect(dr.resolve(dr.dns.records.objectStore).url).toBe(env().MINIO_ENDPOINT);
      expect(dr.dns.zoneName).toBe('local.lakehouse-ops.internal.');
    });

    it('follows a switch made through Route 53 to the DR region', async () => {
      const route53 = new Route53Client({
        ...awsConfig(),
        region: 'us-east-1',
        endpoint: env().AWS_ENDPOINT_URL_ROUTE_53,
      });
      const dns = route53TrafficDns(route53);
      const record = (target: string) => ({
        name: dr.dns.drillRecords.objectStore,
        type: 'CNAME' as const,
        target: { ttl: RECORD_TTL_SECONDS, values: [target] },
      });
      const outcome = await switchRecords(dns, {
        hostedZoneId: dr.hostedZoneId,
        records: [record(dr.dns.drTargets.objectStore)],
        comment: 'drill',
      });
      expect(dr.resolve(dr.dns.drillRecords.objectStore)).toEqual({
        name: dr.dns.drillRecords.objectStore,
        target: dr.dns.drTargets.objectStore,
        url: lakehouse.endpoints.drS3,
      });
      // The production record is not the drill's: it still points at the primary.
      expect(dr.resolve(dr.dns.records.objectStore).target).toBe(dr.dns.primaryTargets.objectStore);
      await switchRecords(dns, {
        hostedZoneId: dr.hostedZoneId,
        records: outcome.previous,
        comment: 'drill back',
      });
      expect(dr.resolve(dr.dns.drillRecords.objectStore).target).toBe(dr.dns.primaryTargets.objectStore);
      route53.destroy();
    });

    it('serves a target once something local answers for it', () => {
      const name = 'prefect-api.blue.lakehouse-ops.internal.';
      expect(dr.resolve(name).url).toBeUndefined();
      dr.serveTarget(name, 'http://127.0.0.1:1/api');
      expect(dr.resolve(name).url).toBe('http://127.0.0.1:1/api');
    });

    it("gives the DR functions the zone's records as DR_TRAFFIC and the DR Prefect as DR_PREFECT_API_URL", () => {
      const traffic = JSON.parse(env().DR_TRAFFIC ?? '{}') as { hostedZoneId: string; records: unknown[] };
      expect(traffic.hostedZoneId).toBe(dr.hostedZoneId);
      expect(traffic.records).toContainEqual(
        expect.objectContaining({
          name: dr.dns.records.prefectApi,
          drillName: dr.dns.drillRecords.prefectApi,
          dr: { ttl: RECORD_TTL_SECONDS, values: [dr.dns.drTargets.prefectApi] },
        }),
      );
      expect(env()).toMatchObject({ DR_REGION: lakehouse.drRegion, DR_CLUSTER_NAME: dr.clusterName });
      expect(dr.resolve(dr.dns.drTargets.prefectApi).url).toBe(env().DR_PREFECT_API_URL);
    });
  });

  describe('the DR Prefect', () => {
    it('answers only once a Prefect server is available in the DR cluster, as a failover rolls it out', async () => {
      const health = () => fetch(`${env().DR_PREFECT_API_URL}/health`);
      const before = await health();
      expect(before.status).toBe(503);
      expect(await before.json()).toEqual({
        detail: 'no Prefect server is available in the DR cluster (prefect/prefect-server)',
      });
      dr.kube.apply({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'prefect-server', namespace: 'prefect' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'prefect-server' } },
          template: {
            metadata: { labels: { app: 'prefect-server' } },
            spec: { containers: [{ name: 'server', image: dr.kube.images.list()[0] }] },
          },
        },
      });
      await dr.kube.settle();
      try {
        expect((await health()).status).toBe(200);
      } finally {
        dr.kube.delete('apps/v1', 'Deployment', 'prefect-server', 'prefect');
        await dr.kube.settle();
      }
    });
  });

  describe("the DR cluster's External Secrets", () => {
    const externalSecret = (name: string, key: string) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: 'prefect' },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
        target: { name, creationPolicy: 'Owner' },
        data: [{ secretKey: 'postgres-password', remoteRef: { key, property: 'password' } }],
      },
    });

    it("writes an ExternalSecret's Secret from the DR region's Secrets Manager, and none for a missing secret", async () => {
      dr.kube.apply(externalSecret('prefect-postgresql', 'lakehouse/development/prefect-postgresql'));
      dr.kube.apply(externalSecret('not-replicated', 'lakehouse/development/not-replicated'));
      try {
        const secret = await eventually(() =>
          dr.kube.get<KubeObject & { data?: Record<string, string> }>(
            'v1',
            'Secret',
            'prefect-postgresql',
            'prefect',
          ),
        );
        expect(Buffer.from(secret.data?.['postgres-password'] ?? '', 'base64').toString()).toMatch(/^.{24}$/);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(dr.kube.get('v1', 'Secret', 'not-replicated', 'prefect')).toBeUndefined();
      } finally {
        for (const name of ['prefect-postgresql', 'not-replicated']) {
          dr.kube.delete('external-secrets.io/v1', 'ExternalSecret', name, 'prefect');
          if (dr.kube.get('v1', 'Secret', name, 'prefect')) dr.kube.delete('v1', 'Secret', name, 'prefect');
        }
      }
    });
  });

  describe('losing the primary region', () => {
    it('refuses connections to the primary Kubernetes API and MinIO, then brings both back with their objects', async () => {
      const client = minio();
      const listing = async () =>
        (await client.send(new ListObjectsV2Command({ Bucket: MARKET_DATA_BUCKET }))).Contents?.map(
          (object) => object.Key,
        );
      const before = await listing();
      expect(before?.length).toBeGreaterThan(0);
      const namespaces = lakehouse.kube.list('v1', 'Namespace').map((namespace) => namespace.metadata.name);
      const kubeUrl = lakehouse.kube.url;

      await dr.losePrimary();
      expect(dr.primaryOnline).toBe(false);
      expect(await kubernetesAnswers(kubeUrl)).toBe(false);
      const refused = await client
        .send(new ListObjectsV2Command({ Bucket: MARKET_DATA_BUCKET }))
        .catch((e: unknown) => e);
      expect(JSON.stringify(refused, Object.getOwnPropertyNames(refused))).toContain('ECONNREFUSED');
      // The DR side keeps answering.
      expect(await kubernetesAnswers(dr.kube.url)).toBe(true);
      expect((await eks().send(new DescribeClusterCommand({ name: dr.clusterName }))).cluster?.status).toBe(
        'ACTIVE',
      );

      await dr.restorePrimary();
      expect(dr.primaryOnline).toBe(true);
      expect(lakehouse.kube.url).toBe(kubeUrl);
      expect(await kubernetesAnswers(kubeUrl)).toBe(true);
      const response = await fetch(`${kubeUrl}/api/v1/namespaces`, {
        headers: { authorization: `Bearer ${lakehouse.kube.token}` },
      });
      const served = (await response.json()) as { items: { metadata: { name: string } }[] };
      expect(served.items.map((item) => item.metadata.name).sort()).toEqual([...namespaces].sort());
      expect(await listing()).toEqual(before);
      const [first] = before!;
      const object = await client.send(new GetObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: first }));
      expect((await object.Body?.transformToByteArray())?.length).toBeGreaterThan(0);
      client.destroy();
    });

    it('is idempotent both ways', async () => {
      await dr.losePrimary();
      await dr.losePrimary();
      expect(await kubernetesAnswers(lakehouse.kube.url)).toBe(false);
      await dr.restorePrimary();
      await dr.restorePrimary();
      expect(await kubernetesAnswers(lakehouse.kube.url)).toBe(true);
    });
  });
});
