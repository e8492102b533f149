import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IMAGES as MANIFEST_IMAGES } from '../../cluster-manifests/src/images.ts';
import { handler as approveRemediationHandler } from '../../functions/approve-remediation.handler.ts';
import { readAuditTrail, type StoredAuditRecord } from '../../functions/core/audit/audit-trail.ts';
import { defaultPlatformLayout, type PlatformLayout } from '../../functions/core/platform/layout.ts';
import { PG_TOOLS_IMAGE } from '../../functions/core/postgres/image.ts';
import { ENVIRONMENT_NAMES } from '../../infra/config/environment-config.ts';
import type { SeededSecret } from '../aws-sim/secrets-manager.ts';
import { type AwsSim, LOCAL_ACCOUNT_ID, startAwsSim } from '../aws-sim/server.ts';
import type { PublishedNotification } from '../aws-sim/sns.ts';
import { type KubeSim, startKubeSim } from '../kube-sim/index.ts';
import type { KubeObject } from '../kube-sim/model.ts';
import { TaskTokenBroker } from '../runner/task-tokens.ts';
import { missingBinaries, PROMETHEUS, PROMTOOL } from '../system/debian-packages.ts';
import { type FunctionUrlHandler, startAlertIngressServer } from './alert-ingress-server.ts';
import { startDrDatabaseVolume } from './dr-database-volume.ts';
import {
  createLocalDrSide,
  type DrStandbyCluster,
  drPrefectUnavailable,
  drRegionImageRepositories,
  drTrafficSettings,
  type LocalDrSide,
  localDnsNames,
  localServiceUrls,
  nodeGroupScalerByCluster,
  platformHostedZone,
  startDrStandbyCluster,
} from './dr-side.ts';
import { startLocalDynamoDb } from './dynamodb.ts';
import {
  type HandlerLogging,
  LOCAL_CREDENTIALS,
  type LocalBackupNames,
  type LocalEndpoints,
  localAlertEnvironment,
  localAlertNames,
  localApprovalSigningSecretId,
  localDrEnvironment,
  localHandlerEnvironment,
  localReplicationNames,
} from './environment.ts';
import { startExternalSecretsSync } from './external-secrets.ts';
import { createLakehouseFaults, type LakehouseFaults } from './faults.ts';
import {
  type LakehouseMonitoring,
  lakehouseClusterEnvironment,
  missingMonitoringBinaries,
  startLakehouseMonitoring,
} from './monitoring.ts';
import { kubeSimNodeGroupScaler } from './node-group-scaler.ts';
import { LOCAL_PERFORMANCE_ENVIRONMENT, LOCAL_PREFECT } from './performance.ts';
import { startDrPostgres, startLakehousePostgres } from './postgres.ts';
import { type PrefectApiStandIn, startPrefectApiStandIn } from './prefect-api.ts';
import { type ReplicationWebhook, startReplicationWebhook } from './replication-webhook.ts';
import { type S3Endpoint, startS3Endpoint } from './s3-endpoint.ts';
import { startLakehouseS5cmd } from './s5cmd.ts';
import { LAKEHOUSE_BUCKET, MARKET_DATA_BUCKET, seedBuckets, seedObjects } from './seed/buckets.ts';
import { KUBERNETES_VERSION, NODE_POOLS, poolNode } from './seed/node-pools.ts';
import { buildPlatformObjects, imagesOf } from './seed/platform-objects.ts';
import {
  localPostgresNames,
  postgresAccessObjects,
  postgresHandlerEnvironment,
} from './seed/postgres-access.ts';

export type { LakehouseFaults, RestoreFault } from './faults.ts';

/**
 * The embedded local lakehouse: kube-sim (the EKS cluster's Kubernetes API), s3rver as the MinIO
 * primary and as the DR region's S3 (with the backup bucket), dynalite with the ops table, and
 * aws-sim for EKS, SNS, Secrets Manager and AWS Backup, seeded with the platform the workflows
 * operate on. MinIO takes the key pair in the credentials secret; the DR S3, being AWS S3, takes
 * the handlers' AWS credentials. Everything listens on
 * 127.0.0.1 with ephemeral ports; stop() removes every temporary directory.
 */
export interface LocalLakehouseOptions {
  readonly region?: string;
  readonly drRegion?: string;
  readonly clusterName?: string;
  /** ENVIRONMENT_NAME for the handlers (it appears in reports and notification subjects). */
  readonly environmentName?: string;
  readonly layout?: PlatformLayout;
  readonly logLevel?: HandlerLogging['logLevel'];
  /** Default true: no EMF metric documents on stdout. */
  readonly metricsDisabled?: boolean;
  /**
   * Run a real Prometheus and Alertmanager (monitoring.ts) when their Debian binaries are
   * installed: ALERTMANAGER_URL and PROMETHEUS_URL then point at them. Off by default: their
   * alerts would start remediations in the middle of other workflows' tests.
   */
  readonly monitoring?: boolean;
  /**
   * Also run the DR side (dr-side.ts): the standby cluster `<clusterName>-dr` in drRegion (a second
   * kube-sim, registered in aws-sim's EKS), the platform's hosted zone in aws-sim's Route 53, and
   * the switch that loses and restores the primary region. Off by default.
   */
  readonly drSide?: boolean;
  /**
   * MinIO sends its bucket notifications of the replicated buckets to the replication webhook
   * (replication-webhook.ts), which local/runner/replication.ts serves with the stack's
   * replication-ingress. Off by default: nothing replicates unless that runs too.
   */
  readonly replication?: boolean;
}

/** The alert webhook on loopback, as a real Alertmanager is configured to reach it. */
export interface LocalAlertWebhook {
  readonly url: string;
  /** The bearer token (the secret's `token`). */
  readonly token: string;
  /** The EventBridge bus the ingress publishes each new alert to. */
  readonly eventBusName: string;
}

export interface LocalLakehouse {
  /** Variables the handlers need (AWS endpoints, fake credentials, platform names, Powertools). */
  readonly environment: Readonly<Record<string, string>>;
  readonly endpoints: LocalEndpoints;
  readonly layout: PlatformLayout;
  readonly region: string;
  readonly clusterName: string;
  readonly drRegion: string;
  /** The backup bucket (on the DR S3 endpoint), vault and default source buckets. */
  readonly backup: LocalBackupNames;
  /** Key pair of the MinIO endpoint, as stored in the credentials secret. */
  readonly s3Credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly kube: KubeSim;
  readonly awsSim: AwsSim;
  /** The Prefect API stand-in (PREFECT_API_URL), with its worker, flow runs and faults. */
  readonly prefect: PrefectApiStandIn;
  readonly faults: LakehouseFaults;
  /** SNS messages published so far, oldest first. */
  readonly published: readonly PublishedNotification[];
  /**
   * The task tokens of waiting `.waitForTaskToken` Tasks (approvals): pass it to loadWorkflows so
   * that SendTaskSuccess/Failure on aws-sim (AWS_ENDPOINT_URL_SFN) answer the runner's Tasks.
   */
  readonly taskTokens: TaskTokenBroker;
  /** Where the approval notifications' links point: approve-remediation's handler on loopback. */
  readonly approvalUrl: string;
  /** Parts of the platform this lakehouse really runs (the drill skips scenarios that need others). */
  readonly capabilities: LakehouseCapabilities;
  /** The alert ingress (the deployed handler) listening on loopback. */
  readonly alertWebhook: LocalAlertWebhook;
  /** Prometheus and Alertmanager, when asked for (`monitoring`) and installed. */
  readonly monitoring?: LakehouseMonitoring;
  /** The DR side, when asked for (`drSide`). */
  readonly dr?: LocalDrSide;
  /** The replication-ingress Function URL and MinIO's notifications to it (`replication`). */
  readonly replicationWebhook: ReplicationWebhook;
  /** The replica bucket of continuous replication, on the DR S3 endpoint. */
  readonly replica: { readonly bucketName: string; readonly region: string };
  /** The MinIO primary and the DR-region S3 (goOffline/goOnline for faults the tests inject). */
  readonly s3Endpoints: { readonly minio: S3Endpoint; readonly drS3: S3Endpoint };
  /** One target's audit trail in the ops table, oldest first (functions/core/audit). */
  readAuditTrail(workflow: string, target: string): Promise<StoredAuditRecord[]>;
  stop(): Promise<void>;
}

export interface LakehouseCapabilities {
  /**
   * A PostgreSQL server behind the Prefect database and a kube-sim executor for the pg-tools Job
   * image, so a pg_dump Job really runs. False when Debian's PostgreSQL (or the AWS CLI the Job
   * uses) is not installed on this machine.
   */
  readonly postgres: boolean;
  /**
   * A kube-sim executor for the s5cmd image, so the throughput Job really moves bytes through the
   * local MinIO. False when the AWS CLI its s5cmd stand-in uses is not installed.
   */
  readonly s5cmd: boolean;
  /**
   * A real Prometheus scraping kube-sim with the platform's rules and a real Alertmanager
   * delivering to the alert webhook. False unless asked for, or when their binaries are missing.
   */
  readonly monitoring: boolean;
  /**
   * Weeks of container usage backfilled into a real Prometheus (usage-history.ts), as right-sizing
   * reads it. False when Debian's prometheus package (prometheus, promtool) is not installed.
   */
  readonly usageHistory: boolean;
}

/** What each capability needs installed, in the words the drill uses when it skips a scenario. */
export const CAPABILITY_NEEDS: Readonly<Record<keyof LakehouseCapabilities, string>> = {
  postgres: 'PostgreSQL and the AWS CLI (apt-get install postgresql awscli)',
  s5cmd: 'the AWS CLI (apt-get install awscli)',
  monitoring: 'Prometheus and Alertmanager (apt-get install prometheus prometheus-alertmanager)',
  usageHistory: 'prometheus and promtool (apt-get install prometheus)',
};

const DEFAULTS = {
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-local',
  environmentName: 'local',
} as const;

export async function startLocalLakehouse(options: LocalLakehouseOptions = {}): Promise<LocalLakehouse> {
  const region = options.region ?? DEFAULTS.region;
  const drRegion = options.drRegion ?? DEFAULTS.drRegion;
  const clusterName = options.clusterName ?? DEFAULTS.clusterName;
  const environmentName = options.environmentName ?? DEFAULTS.environmentName;
  const layout = options.layout ?? defaultPlatformLayout;
  const prefix = `lakehouse-ops-${environmentName}`;
  const backup: LocalBackupNames = {
    bucketName: `${prefix}-backup`,
    sourceBuckets: [MARKET_DATA_BUCKET, LAKEHOUSE_BUCKET],
    vaultName: `${prefix}-vault`,
    roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${prefix}-backup`,
  };
  const names = {
    region,
    drRegion,
    backup,
    clusterName,
    environmentName,
    layout,
    minioCredentialsSecretId: `lakehouse/${environmentName}/minio-credentials`,
    notificationTopicArn: `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${prefix}-notifications`,
    opsTableName: `${prefix}-ops`,
    replication: localReplicationNames(environmentName),
  };
  // MinIO's root credentials: random per lakehouse, so only a client that read the secret gets in.
  const s3Credentials = { accessKeyId: `minio-${randomToken(8)}`, secretAccessKey: randomToken(32) };
  const postgresNames = localPostgresNames(layout);
  const taskTokens = new TaskTokenBroker();
  const alertNames = localAlertNames(environmentName);
  const webhookToken = randomToken(32);

  const stops: (() => Promise<void>)[] = [];
  const started = async <T extends { stop(): Promise<void> }>(service: Promise<T>): Promise<T> => {
    const running = await service;
    stops.push(() => running.stop());
    return running;
  };
  const stopAll = async () => {
    const results = await Promise.allSettled(stops.reverse().map((stop) => stop()));
    stops.length = 0;
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };

  try {
    const platform = buildPlatformObjects(layout, region, LOCAL_ACCOUNT_ID);
    // Before MinIO starts, so that MinIO's first event already has its target.
    const replicationWebhook = await started(
      startReplicationWebhook({
        functionName: `${prefix}-replication-ingress`,
        token: randomToken(48),
        ...(options.replication ? { notifications: { buckets: backup.sourceBuckets, region } } : {}),
      }),
    );
    const startDrS3AndPostgres = async () => {
      const drS3 = await started(
        startS3Endpoint({
          name: 'dr-s3',
          buckets: [...seedBuckets(layout), backup.bucketName, names.replication.replicaBucketName],
          credentials: LOCAL_CREDENTIALS,
        }),
      );
      // The dump Job writes to the backup bucket, which is on the DR S3.
      const postgres = await startLakehousePostgres({
        names: postgresNames,
        s3: { endpoint: drS3.url, ...LOCAL_CREDENTIALS, region: drRegion },
      });
      if (postgres) stops.push(() => postgres.stop());
      const drPostgres = options.drSide
        ? await startDrPostgres({
            names: postgresNames,
            s3: { endpoint: drS3.url, ...LOCAL_CREDENTIALS, region: drRegion },
          })
        : undefined;
      if (drPostgres) stops.push(() => drPostgres.stop());
      return { drS3, postgres, drPostgres };
    };
    const [minio, { drS3, postgres, drPostgres }, dynamodb] = await Promise.all([
      started(
        startS3Endpoint({
          name: 'minio',
          buckets: seedBuckets(layout),
          credentials: s3Credentials,
          ...(options.replication ? { onObjectEvent: (event) => replicationWebhook.notify(event) } : {}),
        }),
      ),
      startDrS3AndPostgres(),
      started(
        startLocalDynamoDb({ opsTableName: names.opsTableName, region, credentials: LOCAL_CREDENTIALS }),
      ),
    ]);
    const prefect = await started(startPrefectApiStandIn(LOCAL_PREFECT));
    const s5cmd = await startLakehouseS5cmd({ endpoint: minio.url, ...s3Credentials, region });
    if (s5cmd) stops.push(() => s5cmd.stop());
    const kube = await started(
      startKubeSim({
        // The pg-tools image the dump and restore Jobs run is in the registry like the platform's,
        // and so are the images of cluster-manifests/, which the provision workflow deploys.
        images: [...imagesOf(platform), PG_TOOLS_IMAGE, ...Object.values(MANIFEST_IMAGES)],
        enforceImages: true,
        jobExecutors: { ...postgres?.jobExecutors, ...s5cmd?.jobExecutors },
      }),
    );
    // The local server trusts 127.0.0.1, so the password only has to be where the Job reads it.
    const postgresAccess = postgresAccessObjects(postgresNames, LOCAL_ACCOUNT_ID, randomToken(24));
    seedCluster(kube, [...platform, ...postgresAccess], region, layout);
    await kube.settle();
    const standby: DrStandbyCluster | undefined = options.drSide
      ? await started(
          startDrStandbyCluster({
            clusterName,
            drRegion,
            layout,
            images: kube.images.list(),
            jobExecutors: { ...drPostgres?.jobExecutors, ...s5cmd?.jobExecutors },
          }),
        )
      : undefined;
    // The DR side's Prefect, its database restored from the primary's dump by the failover: it
    // answers once the failover has rolled out its server in the standby cluster.
    const drPrefect = standby
      ? await started(
          startPrefectApiStandIn({
            ...LOCAL_PREFECT,
            unavailable: drPrefectUnavailable(standby.kube, layout),
          }),
        )
      : undefined;
    const dnsNames = localDnsNames(environmentName, region, drRegion);
    const primaryScaler = kubeSimNodeGroupScaler(kube, region, layout);
    // The deployed handler, which reads process.env: loadWorkflows sets it before any delivery.
    const alertIngress = await started(startAlertIngressServer());
    const awsSim = await started(
      startAwsSim({
        region,
        accountId: LOCAL_ACCOUNT_ID,
        clusters: [
          { name: clusterName, version: KUBERNETES_VERSION, endpoint: kube.url, nodeGroups: NODE_POOLS },
          ...(standby ? [standby.eksCluster] : []),
        ],
        nodeGroupScaler: standby
          ? nodeGroupScalerByCluster({
              [clusterName]: primaryScaler,
              [standby.eksCluster.name]: standby.nodeGroupScaler,
            })
          : primaryScaler,
        hostedZones: standby ? [platformHostedZone(dnsNames)] : [],
        ecrRepositories: standby ? drRegionImageRepositories(drRegion) : [],
        topicArns: [names.notificationTopicArn],
        eventBuses: [alertNames.eventBusName],
        secrets: [
          { name: names.minioCredentialsSecretId, value: s3Credentials },
          { name: alertNames.webhookSecretId, value: { url: alertIngress.url, token: webhookToken } },
          {
            name: names.replication.webhookSecretId,
            value: { url: replicationWebhook.url, token: replicationWebhook.token },
          },
          ...(standby ? drPostgresSecrets(randomToken(24)) : []),
          // Random per lakehouse, as a deployed key is: links of another lakehouse never verify.
          {
            name: localApprovalSigningSecretId(environmentName),
            value: { key: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64') },
          },
        ],
        taskTokens,
        backupVaults: [backup.vaultName],
      }),
    );
    if (standby) {
      const sync = startExternalSecretsSync({
        kube: standby.kube,
        secretsManager: { endpoint: awsSim.url, region: drRegion },
        credentials: LOCAL_CREDENTIALS,
      });
      stops.push(() => sync.stop());
      if (drPostgres) {
        const volume = startDrDatabaseVolume({
          kube: standby.kube,
          server: drPostgres.server,
          names: postgresNames,
        });
        stops.push(() => volume.stop());
      }
    }
    await seedObjectStore(minio, region, s3Credentials);
    // The handler reads process.env, which the local runner sets (loadWorkflows) before any link exists.
    const approvals = await started(
      startAlertIngressServer({ handler: approveRemediationHandler as FunctionUrlHandler }),
    );

    const monitoring =
      options.monitoring && missingMonitoringBinaries().length === 0
        ? await started(
            startLakehouseMonitoring({
              kubernetesUrl: kube.url,
              cluster: lakehouseClusterEnvironment(clusterName, layout),
              webhook: { url: alertIngress.url, token: webhookToken },
            }),
          )
        : undefined;

    const dr =
      standby &&
      createLocalDrSide({
        standby,
        region: drRegion,
        route53: awsSim.route53,
        dns: dnsNames,
        primary: { kube, minio },
        services: localServiceUrls(dnsNames, {
          prefectApi: prefect.url,
          minio: minio.url,
          drS3: drS3.url,
          ...(drPrefect ? { drPrefectApi: drPrefect.url } : {}),
        }),
      });
    const endpoints: LocalEndpoints = {
      kubernetes: kube.url,
      awsSim: awsSim.url,
      dynamodb: dynamodb.url,
      minio: minio.url,
      drS3: drS3.url,
    };
    return {
      environment: {
        ...localHandlerEnvironment(endpoints, names, {
          logLevel: options.logLevel ?? 'SILENT',
          metricsDisabled: options.metricsDisabled ?? true,
        }),
        ...postgresHandlerEnvironment(postgresNames),
        PREFECT_API_URL: prefect.url,
        APPROVAL_URL: approvals.url,
        ...localAlertEnvironment(alertNames),
        ...(monitoring
          ? { ALERTMANAGER_URL: monitoring.alertmanagerUrl, PROMETHEUS_URL: monitoring.prometheusUrl }
          : {}),
        ...LOCAL_PERFORMANCE_ENVIRONMENT,
        ...(dr && drPrefect
          ? localDrEnvironment({
              drRegion,
              drClusterName: dr.clusterName,
              traffic: drTrafficSettings(dnsNames, dr.hostedZoneId),
              prefectApiUrl: drPrefect.url,
              objectStoreEndpoint: drS3.url,
            })
          : {}),
      },
      endpoints,
      layout,
      region,
      drRegion,
      backup,
      clusterName,
      s3Credentials,
      kube,
      awsSim,
      prefect,
      faults: createLakehouseFaults(kube, minio, awsSim, layout),
      get published() {
        return awsSim.published;
      },
      taskTokens,
      approvalUrl: approvals.url,
      alertWebhook: { url: alertIngress.url, token: webhookToken, eventBusName: alertNames.eventBusName },
      ...(monitoring ? { monitoring } : {}),
      ...(dr ? { dr } : {}),
      replicationWebhook,
      replica: { bucketName: names.replication.replicaBucketName, region: drRegion },
      s3Endpoints: { minio, drS3 },
      capabilities: {
        postgres: postgres !== undefined,
        s5cmd: s5cmd !== undefined,
        monitoring: monitoring !== undefined,
        usageHistory: missingBinaries([PROMETHEUS, PROMTOOL]).length === 0,
      },
      readAuditTrail: async (workflow, target) => {
        const dynamoDb = new DynamoDBClient({
          endpoint: dynamodb.url,
          region,
          credentials: LOCAL_CREDENTIALS,
        });
        try {
          return await readAuditTrail({ dynamoDb, tableName: names.opsTableName }, workflow, target);
        } finally {
          dynamoDb.destroy();
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/**
 * The Prefect PostgreSQL secret as it is replicated to the DR region, under each CDK environment's
 * name (cluster-manifests' platformSecretName): the DR manifests the failover applies are those of
 * the environment whose stack runs, and their ExternalSecret names its own. The DR PostgreSQL trusts
 * loopback, so the password only has to be where the restore Job reads it.
 */
function drPostgresSecrets(password: string): SeededSecret[] {
  return ENVIRONMENT_NAMES.map((environment) => ({
    name: `lakehouse/${environment}/prefect-postgresql`,
    value: { password },
  }));
}

function seedCluster(
  kube: KubeSim,
  platform: readonly KubeObject[],
  region: string,
  layout: PlatformLayout,
): void {
  for (const pool of NODE_POOLS) {
    for (let ordinal = 0; ordinal < pool.desiredSize; ordinal += 1)
      kube.addNode(poolNode(pool, ordinal, region, layout));
  }
  for (const object of platform) kube.apply(object);
}

async function seedObjectStore(
  endpoint: S3Endpoint,
  region: string,
  credentials: LocalLakehouse['s3Credentials'],
): Promise<void> {
  const s3 = new S3Client({
    endpoint: endpoint.url,
    region,
    credentials,
    forcePathStyle: true,
    // Otherwise the SDK frames streamed bodies as aws-chunked, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    await Promise.all(
      seedObjects().map((object) =>
        s3.send(new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: object.body })),
      ),
    );
  } finally {
    s3.destroy();
  }
}

function randomToken(length: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(length)))
    .toString('base64url')
    .slice(0, length);
}
