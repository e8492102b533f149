import { BackupClient, DescribeBackupJobCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient, ListClustersCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Node, Pod } from '../../../local/kube-sim/index.ts';
import { AWS_BACKUP_FAILURE_MESSAGE, UNAVAILABLE_PREFECT_IMAGE } from '../../../local/lakehouse/faults.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../../local/lakehouse/index.ts';
import { postgresInstalled } from '../../../local/lakehouse/postgres.ts';
import { MARKET_DATA_BUCKET } from '../../../local/lakehouse/seed/buckets.ts';

type Status = { readyReplicas?: number; availableReplicas?: number; replicas?: number };
type ClaimSpec = { volumeName?: string; resources?: { requests?: { storage?: string } } };
type VolumeSpec = {
  csi?: { driver: string; volumeHandle: string };
  capacity?: { storage?: string };
  claimRef?: { name?: string; uid?: string };
};

describe('startLocalLakehouse', () => {
  let lakehouse: LocalLakehouse;
  const env = () => lakehouse.environment;
  const awsConfig = () => ({
    region: lakehouse.region,
    credentials: { accessKeyId: env().AWS_ACCESS_KEY_ID!, secretAccessKey: env().AWS_SECRET_ACCESS_KEY! },
  });
  const workload = (kind: string, namespace: string, name: string) =>
    lakehouse.kube.get<KubeObject & { status?: Status; spec: Record<string, unknown> }>(
      'apps/v1',
      kind,
      name,
      namespace,
    );
  const nodesOf = (pool: string) =>
    lakehouse.kube.list<Node>('v1', 'Node', undefined, `eks.amazonaws.com/nodegroup=${pool}`);
  const isReady = (node: Node | undefined) =>
    node?.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';

  async function minioClient(): Promise<S3Client> {
    const secret = await new SecretsManagerClient({
      ...awsConfig(),
      endpoint: env().AWS_ENDPOINT_URL_SECRETS_MANAGER,
    }).send(new GetSecretValueCommand({ SecretId: env().MINIO_CREDENTIALS_SECRET_ID }));
    return new S3Client({
      endpoint: env().MINIO_ENDPOINT,
      region: lakehouse.region,
      credentials: JSON.parse(secret.SecretString ?? '{}'),
      forcePathStyle: true,
      maxAttempts: 1,
    });
  }

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse();
  }, 60_000);
  afterAll(() => lakehouse?.stop());

  describe('seeding', () => {
    it('runs no DR side unless asked for (drSide): one EKS cluster, no hosted zone', async () => {
      expect(lakehouse.dr).toBeUndefined();
      const eks = new EKSClient({ ...awsConfig(), endpoint: env().AWS_ENDPOINT_URL_EKS, maxAttempts: 1 });
      expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual([lakehouse.clusterName]);
      expect(lakehouse.awsSim.route53.hostedZone(`local.lakehouse-ops.internal`)).toBeUndefined();
      eks.destroy();
    });

    it('creates the platform namespaces with Pod Security labels', () => {
      for (const name of ['prefect', 'minio', 's5cmd', 'monitoring']) {
        const namespace = lakehouse.kube.get('v1', 'Namespace', name);
        expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toMatch(
          /^(restricted|baseline)$/,
        );
      }
    });

    it('registers Nodes per pool: 2 on-demand system, 4 tainted storage, 3 spot compute', () => {
      expect(
        nodesOf('system').map((node) => node.metadata.labels?.['node.kubernetes.io/instance-type']),
      ).toEqual(['t3.large', 't3.large']);
      const storage = nodesOf('storage');
      expect(storage).toHaveLength(4);
      expect(
        storage.every((node) =>
          node.spec?.taints?.some(
            (taint) =>
              taint.key === 'dedicated' && taint.value === 'storage' && taint.effect === 'NoSchedule',
          ),
        ),
      ).toBe(true);
      const compute = nodesOf('compute');
      expect(compute).toHaveLength(3);
      expect(
        compute.every((node) => node.metadata.labels?.['eks.amazonaws.com/capacityType'] === 'SPOT'),
      ).toBe(true);
      expect([...storage, ...compute].every(isReady)).toBe(true);
    });

    it('runs Prefect, PostgreSQL, MinIO and monitoring with every replica ready', () => {
      expect(workload('Deployment', 'prefect', 'prefect-server')?.status?.availableReplicas).toBe(3);
      const workers = lakehouse.kube.list(
        'apps/v1',
        'Deployment',
        'prefect',
        'app.kubernetes.io/component=prefect-worker',
      );
      expect(workers.map((worker) => worker.metadata.name).sort()).toEqual([
        'prefect-worker-default',
        'prefect-worker-spot',
      ]);
      expect(workload('StatefulSet', 'prefect', 'prefect-postgresql')?.status?.readyReplicas).toBe(1);
      expect(workload('StatefulSet', 'minio', 'minio')?.status?.readyReplicas).toBe(4);
      expect(workload('StatefulSet', 'monitoring', 'prometheus')?.status?.readyReplicas).toBe(2);
      expect(workload('StatefulSet', 'monitoring', 'alertmanager')?.status?.readyReplicas).toBe(3);
      expect(workload('Deployment', 'monitoring', 'grafana')?.status?.availableReplicas).toBe(1);
    });

    it('places each MinIO pod on a storage Node, tolerating its taint', () => {
      const storageNodes = new Set(nodesOf('storage').map((node) => node.metadata.name));
      const pods = lakehouse.kube.list<Pod>('v1', 'Pod', 'minio', 'app.kubernetes.io/name=minio');
      expect(pods).toHaveLength(4);
      expect(pods.every((pod) => storageNodes.has(pod.spec.nodeName))).toBe(true);
    });

    it('protects multi-replica workloads with PodDisruptionBudgets, MinIO with maxUnavailable 1', () => {
      const budgets = lakehouse.kube.list('policy/v1', 'PodDisruptionBudget');
      expect(budgets.map((budget) => `${budget.metadata.namespace}/${budget.metadata.name}`).sort()).toEqual([
        'minio/minio',
        'monitoring/alertmanager',
        'monitoring/prometheus',
        'prefect/prefect-server',
        'prefect/prefect-worker-default',
        'prefect/prefect-worker-spot',
      ]);
      expect(lakehouse.kube.get('policy/v1', 'PodDisruptionBudget', 'minio', 'minio')?.spec).toMatchObject({
        maxUnavailable: 1,
      });
    });

    it('seeds the s5cmd executor: its ServiceAccount and a suspended CronJob with a pinned image', () => {
      expect(lakehouse.kube.get('v1', 'ServiceAccount', 's5cmd-executor', 's5cmd')).toBeDefined();
      const cronJob = lakehouse.kube.get<
        KubeObject & {
          spec: {
            suspend: boolean;
            jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } };
          };
        }
      >('batch/v1', 'CronJob', 's5cmd-executor', 's5cmd');
      expect(cronJob?.spec.suspend).toBe(true);
      expect(cronJob?.spec.jobTemplate.spec.template.spec.containers[0]?.image).toMatch(
        /^peakcom\/s5cmd:v\d+\.\d+\.\d+$/,
      );
    });

    it('backs every MinIO and PostgreSQL claim with a bound EBS CSI PersistentVolume of its size', () => {
      const claims = ['minio', 'prefect'].flatMap((namespace) =>
        lakehouse.kube.list<KubeObject & { spec: ClaimSpec }>('v1', 'PersistentVolumeClaim', namespace),
      );
      expect(claims.map((claim) => claim.metadata.name)).toEqual(
        expect.arrayContaining(['data-minio-0', 'data-minio-3', 'data-prefect-postgresql-0']),
      );
      for (const claim of claims) {
        const volume = lakehouse.kube.get<KubeObject & { spec: VolumeSpec }>(
          'v1',
          'PersistentVolume',
          claim.spec.volumeName ?? '',
        );
        expect(volume?.spec.csi).toMatchObject({ driver: 'ebs.csi.aws.com' });
        expect(volume?.spec.csi?.volumeHandle).toMatch(/^vol-[0-9a-f]{17}$/);
        expect(volume?.spec.capacity?.storage).toBe(claim.spec.resources?.requests?.storage);
        expect(volume?.spec.claimRef).toMatchObject({ name: claim.metadata.name, uid: claim.metadata.uid });
      }
    });

    it('runs PostgreSQL for the pg_dump Job whenever Debian PostgreSQL is installed', () => {
      expect(lakehouse.capabilities.postgres).toBe(postgresInstalled());
    });

    it("seeds the dump Job's password Secret and ServiceAccount at the names the handlers get", () => {
      const [secretName, key] = (env().POSTGRES_PASSWORD_SECRET ?? '').split('/');
      const namespace = env().POSTGRES_NAMESPACE;
      const secret = lakehouse.kube.get<KubeObject & { data?: Record<string, string> }>(
        'v1',
        'Secret',
        secretName ?? '',
        namespace,
      );
      expect(secret?.data?.[key ?? '']).toBeTruthy();
      expect(
        lakehouse.kube.get('v1', 'ServiceAccount', env().POSTGRES_DUMP_SERVICE_ACCOUNT ?? '', namespace),
      ).toBeDefined();
      expect(env().POSTGRES_HOST).toBe(`prefect-postgresql.${namespace}.svc`);
      expect(lakehouse.kube.get('v1', 'Service', 'prefect-postgresql', namespace)).toBeDefined();
    });

    it('enforces the image registry: every seeded image can be pulled, an unknown one cannot', () => {
      expect(lakehouse.kube.images.enforced).toBe(true);
      const images = lakehouse.kube
        .list<Pod>('v1', 'Pod')
        .flatMap((pod) => pod.spec.containers.map((container) => container.image ?? ''));
      expect(images.every((image) => lakehouse.kube.images.canPull(image))).toBe(true);
      expect(lakehouse.kube.images.canPull(UNAVAILABLE_PREFECT_IMAGE)).toBe(false);
    });

    it('fills the buckets: the probe bucket, Hive-partitioned market data and lakehouse tables', async () => {
      const s3 = await minioClient();
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: MARKET_DATA_BUCKET, MaxKeys: 10, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.NextContinuationToken;
      } while (token);
      expect(keys).toHaveLength(24);
      expect(keys).toContain('trades/exchange=binance/date=2025-01-13/part-0000.parquet');
      expect(keys).toContain('ohlcv/exchange=kraken/interval=1m/date=2025-01-16/part-0000.parquet');
      const tables = await s3.send(new ListObjectsV2Command({ Bucket: 'lakehouse', Prefix: 'warehouse/' }));
      expect(tables.KeyCount).toBe(6);
      const probe = await s3.send(new ListObjectsV2Command({ Bucket: 'lakehouse-ops-probe' }));
      expect(probe.KeyCount).toBe(0);
    });

    it('creates the ops table with the keys and audit index of the OpsStack', async () => {
      const dynamodb = new DynamoDBClient({ ...awsConfig(), endpoint: env().AWS_ENDPOINT_URL_DYNAMODB });
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: env().OPS_TABLE_NAME }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'audit-by-time' });
    });
  });

  describe('backup targets', () => {
    // Built the way the backup handlers build theirs: endpoint from AWS_ENDPOINT_URL_S3, AWS credentials.
    const drS3 = () =>
      new S3Client({
        ...awsConfig(),
        region: env().BACKUP_BUCKET_REGION,
        endpoint: env().AWS_ENDPOINT_URL_S3,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
    const backup = () =>
      new BackupClient({ ...awsConfig(), endpoint: env().AWS_ENDPOINT_URL_BACKUP, maxAttempts: 1 });
    const startJob = () =>
      backup().send(
        new StartBackupJobCommand({
          BackupVaultName: env().BACKUP_VAULT_NAME,
          IamRoleArn: env().BACKUP_ROLE_ARN,
          ResourceArn: `arn:aws:ec2:${lakehouse.region}:000000000000:volume/vol-0123456789abcdef0`,
        }),
      );
    const stateAfter = async (jobId: string, polls: number) => {
      let state: string | undefined;
      for (let poll = 0; poll < polls; poll += 1)
        state = (await backup().send(new DescribeBackupJobCommand({ BackupJobId: jobId }))).State;
      return state;
    };

    it('points S3 at the DR endpoint, whose backup bucket takes the AWS credentials and not MinIO keys', async () => {
      expect(env().AWS_ENDPOINT_URL_S3).toBe(lakehouse.endpoints.drS3);
      expect(env().BACKUP_SOURCE_BUCKETS).toBe('market-data,lakehouse');
      await drS3().send(new HeadBucketCommand({ Bucket: env().BACKUP_BUCKET_NAME }));
      await drS3().send(new PutObjectCommand({ Bucket: env().BACKUP_BUCKET_NAME, Key: 'probe', Body: 'x' }));
      const withMinioKeys = new S3Client({
        region: lakehouse.drRegion,
        endpoint: env().AWS_ENDPOINT_URL_S3,
        credentials: lakehouse.s3Credentials,
        forcePathStyle: true,
        maxAttempts: 1,
      });
      await expect(
        withMinioKeys.send(new ListObjectsV2Command({ Bucket: env().BACKUP_BUCKET_NAME })),
      ).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    });

    it('runs AWS Backup jobs in the seeded vault, and fails them while awsBackupJobsFail is injected', async () => {
      const healthy = await startJob();
      expect(await stateAfter(healthy.BackupJobId!, 3)).toBe('COMPLETED');
      const restore = await lakehouse.faults.awsBackupJobsFail();
      const failing = await startJob();
      await restore();
      expect(await stateAfter(failing.BackupJobId!, 3)).toBe('FAILED');
      const failed = await backup().send(new DescribeBackupJobCommand({ BackupJobId: failing.BackupJobId }));
      expect(failed.StatusMessage).toBe(AWS_BACKUP_FAILURE_MESSAGE);
    });
  });

  describe('EKS node groups', () => {
    it('adds and removes kube-sim Nodes when the desired size changes', async () => {
      const eks = new EKSClient({ ...awsConfig(), endpoint: env().AWS_ENDPOINT_URL_EKS });
      const scaleTo = (desiredSize: number) =>
        eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: env().CLUSTER_NAME,
            nodegroupName: 'compute',
            scalingConfig: { desiredSize },
          }),
        );

      await scaleTo(5);
      expect(nodesOf('compute')).toHaveLength(5);
      expect(nodesOf('compute').every(isReady)).toBe(true);

      await scaleTo(3);
      expect(nodesOf('compute')).toHaveLength(3);
      expect(workload('Deployment', 'prefect', 'prefect-worker-spot')?.status?.availableReplicas).toBe(2);
    });
  });

  describe('faults', () => {
    it('nodeNotReady marks a compute Node NotReady and restores it', async () => {
      const [node] = nodesOf('compute');
      const restore = await lakehouse.faults.nodeNotReady(node?.metadata.name);
      expect(isReady(lakehouse.kube.get<Node>('v1', 'Node', node?.metadata.name ?? ''))).toBe(false);
      await restore();
      expect(isReady(lakehouse.kube.get<Node>('v1', 'Node', node?.metadata.name ?? ''))).toBe(true);
    });

    it('minioPodDown leaves the MinIO StatefulSet one replica short until restored', async () => {
      const restore = await lakehouse.faults.minioPodDown();
      expect(workload('StatefulSet', 'minio', 'minio')?.status?.readyReplicas).toBe(3);
      await restore();
      expect(workload('StatefulSet', 'minio', 'minio')?.status?.readyReplicas).toBe(4);
    });

    it('prefectWorkerUnavailable takes a worker Deployment to zero available replicas until restored', async () => {
      const restore = await lakehouse.faults.prefectWorkerUnavailable();
      const broken = lakehouse.kube
        .list<KubeObject & { status?: Status }>(
          'apps/v1',
          'Deployment',
          'prefect',
          'app.kubernetes.io/component=prefect-worker',
        )
        .filter((deployment) => (deployment.status?.availableReplicas ?? 0) === 0);
      expect(broken).toHaveLength(1);
      await restore();
      expect(
        workload('Deployment', 'prefect', broken[0]?.metadata.name ?? '')?.status?.availableReplicas,
      ).toBe(2);
    });

    it('kubernetesApiFlaky answers 503 for the next requests only', async () => {
      const readNodes = () =>
        fetch(`${lakehouse.kube.url}/api/v1/nodes`, {
          headers: { authorization: `Bearer ${lakehouse.kube.token}` },
        });
      const restore = await lakehouse.faults.kubernetesApiFlaky(2);
      expect((await readNodes()).status).toBe(503);
      expect((await readNodes()).status).toBe(503);
      expect((await readNodes()).status).toBe(200);
      await restore();
    });

    it('kubernetesApiFlaky restore clears the 503s that were not used up', async () => {
      const restore = await lakehouse.faults.kubernetesApiFlaky(5);
      await restore();
      const response = await fetch(`${lakehouse.kube.url}/api/v1/nodes`, {
        headers: { authorization: `Bearer ${lakehouse.kube.token}` },
      });
      expect(response.status).toBe(200);
    });

    it('minioS3Down refuses S3 connections until restored, keeping the objects', async () => {
      const s3 = await minioClient();
      const restore = await lakehouse.faults.minioS3Down();
      await expect(s3.send(new ListObjectsV2Command({ Bucket: MARKET_DATA_BUCKET }))).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      await restore();
      const listing = await s3.send(new ListObjectsV2Command({ Bucket: MARKET_DATA_BUCKET }));
      expect(listing.KeyCount).toBe(24);
    });
  });
});
