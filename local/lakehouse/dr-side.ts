import {
  DEFAULT_REPOSITORY_PREFIXES,
  drImageReference,
  ecrRepositoryOf,
  parseImageReference,
  requiredImages,
} from '../../functions/core/dr/failover/gates/image-references.ts';
import type { TrafficSettings } from '../../functions/core/dr/traffic/settings.ts';
import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { EcrRepositorySeed } from '../aws-sim/ecr.ts';
import type { EksClusterConfig, NodeGroupScaler } from '../aws-sim/eks.ts';
import type { HostedZoneSeed, Route53Simulator } from '../aws-sim/route53.ts';
import { LOCAL_ACCOUNT_ID } from '../aws-sim/server.ts';
import { type JobExecutorRegistry, type KubeObject, type KubeSim, startKubeSim } from '../kube-sim/index.ts';
import { imageRepository } from '../kube-sim/job-executors.ts';
import { kubeSimNodeGroupScaler } from './node-group-scaler.ts';
import type { S3Endpoint } from './s3-endpoint.ts';
import { KUBERNETES_VERSION, NODE_POOLS, poolNode } from './seed/node-pools.ts';

/**
 * The disaster-recovery side of the local lakehouse (issue 5, docs/dr.md): a second kube-sim as
 * the standby EKS cluster in the DR region (node groups at their minimum size, nothing of the
 * lakehouse deployed: dr-failover scales it up and applies the manifests), a private hosted zone
 * whose records point at the primary's services, and the switch that loses the primary region
 * (its Kubernetes API and its MinIO refuse connections) and brings it back with the same objects.
 * The DR-region S3 (the replica and backup buckets) is the lakehouse's drS3 endpoint.
 *
 * Names, as a deployed environment has them:
 * - the standby cluster is `<clusterName>-dr` (infra/config/dr-config.ts drClusterName's default);
 * - the zone is `<environmentName>.lakehouse-ops.internal.`, with `prefect-api`, `prefect-ui` and
 *   `object-store` records for traffic and the same names prefixed `drill-` for drills
 *   (dr-failover mode `drill` switches those);
 * - every record is a CNAME to a region's service name, `<service>.<region>.lakehouse-ops.internal.`
 *   (service prefect-api, prefect-ui, minio in the primary region, s3 in the DR region), which
 *   `services` maps to the loopback URL that serves it.
 */

export const DNS_DOMAIN = 'lakehouse-ops.internal.';
/** Records live this long in resolvers: short, so that a switch takes effect within a minute. */
export const RECORD_TTL_SECONDS = 60;

export type PlatformService = 'prefectApi' | 'prefectUi' | 'objectStore';
export type PlatformRecords = Readonly<Record<PlatformService, string>>;

export interface LocalDnsNames {
  readonly zoneName: string;
  /** The records clients use. */
  readonly records: PlatformRecords;
  /** The records a `drill` failover switches, leaving the production ones alone. */
  readonly drillRecords: PlatformRecords;
  /** Where each record points in the primary region and in the DR region. */
  readonly primaryTargets: PlatformRecords;
  readonly drTargets: PlatformRecords;
}

export function localDnsNames(environmentName: string, region: string, drRegion: string): LocalDnsNames {
  const zoneName = `${environmentName}.${DNS_DOMAIN}`;
  const inZone = (prefix: string): PlatformRecords => ({
    prefectApi: `${prefix}prefect-api.${zoneName}`,
    prefectUi: `${prefix}prefect-ui.${zoneName}`,
    objectStore: `${prefix}object-store.${zoneName}`,
  });
  const inRegion = (regionName: string, objectStore: string): PlatformRecords => ({
    prefectApi: `prefect-api.${regionName}.${DNS_DOMAIN}`,
    prefectUi: `prefect-ui.${regionName}.${DNS_DOMAIN}`,
    objectStore: `${objectStore}.${regionName}.${DNS_DOMAIN}`,
  });
  return {
    zoneName,
    records: inZone(''),
    drillRecords: inZone('drill-'),
    primaryTargets: inRegion(region, 'minio'),
    drTargets: inRegion(drRegion, 's3'),
  };
}

/** The hosted zone seed: production and drill records, all pointing at the primary region. */
export function platformHostedZone(names: LocalDnsNames): HostedZoneSeed {
  const services = Object.keys(names.records) as PlatformService[];
  return {
    name: names.zoneName,
    comment: 'lakehouse-ops platform names (local)',
    records: [names.records, names.drillRecords].flatMap((records) =>
      services.map((service) => ({
        name: records[service],
        type: 'CNAME' as const,
        ttl: RECORD_TTL_SECONDS,
        values: [names.primaryTargets[service]],
      })),
    ),
  };
}

/**
 * DR_TRAFFIC for this zone: every platform record with its drill twin, a CNAME to the primary
 * region's service name and one to the DR region's, with the DR targets' health checks if given.
 */
export function drTrafficSettings(
  names: LocalDnsNames,
  hostedZoneId: string,
  drHealthCheckIds: Partial<Record<PlatformService, string>> = {},
): TrafficSettings {
  const cname = (value: string) => ({ ttl: RECORD_TTL_SECONDS, values: [value] });
  const services = Object.keys(names.records) as PlatformService[];
  return {
    hostedZoneId,
    records: services.map((service) => ({
      name: names.records[service],
      drillName: names.drillRecords[service],
      type: 'CNAME',
      primary: cname(names.primaryTargets[service]),
      dr: cname(names.drTargets[service]),
      ...(drHealthCheckIds[service] ? { drHealthCheckId: drHealthCheckIds[service] } : {}),
    })),
  };
}

/**
 * The DR region's ECR as its pull-through cache rules leave it once every image the failover runs
 * has been pulled: one repository per image under its registry's default prefix, holding its tag.
 */
export function drRegionImageRepositories(drRegion: string): EcrRepositorySeed[] {
  const tagsByRepository = new Map<string, string[]>();
  for (const image of requiredImages()) {
    const reference = parseImageReference(image);
    const repository = ecrRepositoryOf(reference, DEFAULT_REPOSITORY_PREFIXES);
    if (repository === undefined || reference.tag === undefined) {
      throw new Error(`the local DR registry cannot hold ${image}: no default pull-through prefix or no tag`);
    }
    tagsByRepository.set(repository, [...(tagsByRepository.get(repository) ?? []), reference.tag]);
  }
  return [...tagsByRepository].map(([repositoryName, tags]) => ({ region: drRegion, repositoryName, tags }));
}

/**
 * Why the DR side's Prefect does not answer yet: until dr-failover has rolled out its server in the
 * standby cluster, nothing serves the DR Prefect API (undefined once it does).
 */
export function drPrefectUnavailable(kube: KubeSim, layout: PlatformLayout): () => string | undefined {
  const { namespace, serverDeployment } = layout.prefect;
  return () => {
    const server = kube.get<KubeObject & { status?: { availableReplicas?: number } }>(
      'apps/v1',
      'Deployment',
      serverDeployment,
      namespace,
    );
    return (server?.status?.availableReplicas ?? 0) > 0
      ? undefined
      : `no Prefect server is available in the DR cluster (${namespace}/${serverDeployment})`;
  };
}

/**
 * The services that run locally, by their region service names: the primary's Prefect (API and
 * UI are one server, the UI at its root) and MinIO, and the DR region's S3 and Prefect (which
 * answers only once a failover has deployed it).
 */
export function localServiceUrls(
  names: LocalDnsNames,
  urls: {
    readonly prefectApi: string;
    readonly minio: string;
    readonly drS3: string;
    /** The DR side's Prefect, which answers only once a failover has rolled it out. */
    readonly drPrefectApi?: string;
  },
): Record<string, string> {
  const uiOf = (apiUrl: string) => apiUrl.replace(/\/api\/?$/, '');
  return {
    [names.primaryTargets.prefectApi]: urls.prefectApi,
    [names.primaryTargets.prefectUi]: uiOf(urls.prefectApi),
    [names.primaryTargets.objectStore]: urls.minio,
    [names.drTargets.objectStore]: urls.drS3,
    ...(urls.drPrefectApi
      ? {
          [names.drTargets.prefectApi]: urls.drPrefectApi,
          [names.drTargets.prefectUi]: uiOf(urls.drPrefectApi),
        }
      : {}),
  };
}

export interface DrStandbyClusterOptions {
  readonly clusterName: string;
  readonly drRegion: string;
  readonly layout: PlatformLayout;
  /** The images the DR region's registry holds (replicated from the primary's). */
  readonly images: readonly string[];
  /** Job containers that really run, as in the primary cluster (a restore Job on the DR side). */
  readonly jobExecutors?: JobExecutorRegistry;
}

export interface DrStandbyCluster {
  readonly kube: KubeSim;
  /** The DR cluster as aws-sim's EKS serves it. */
  readonly eksCluster: EksClusterConfig;
  /** Makes the DR cluster's Nodes follow its node groups' desired sizes. */
  readonly nodeGroupScaler: NodeGroupScaler;
  stop(): Promise<void>;
}

/** The standby cluster's name: `<clusterName>-dr`, as infra/config/dr-config.ts names it by default. */
export function drClusterNameOf(clusterName: string): string {
  return `${clusterName}-dr`;
}

/**
 * What the standby cluster pulls when the DR manifests name the DR region's ECR (infra gives the
 * bring-up DR_ECR_REGISTRY_ID: the synthesized template's account, the local one here): the
 * required images under the pull-through prefixes that the local ECR holds (drRegionImageRepositories).
 */
function viaDrRegistry(image: string, drRegion: string): string | undefined {
  try {
    return drImageReference(image, {
      registryId: LOCAL_ACCOUNT_ID,
      region: drRegion,
      prefixes: DEFAULT_REPOSITORY_PREFIXES,
    });
  } catch {
    return undefined;
  }
}

/** A kube-sim seeded as the standby cluster: every node group at its minimum size, no workloads. */
export async function startDrStandbyCluster(options: DrStandbyClusterOptions): Promise<DrStandbyCluster> {
  const throughRegistry = (image: string) => viaDrRegistry(image, options.drRegion);
  const registryImages = requiredImages().flatMap((image) => throughRegistry(image) ?? []);
  // A Job's executor answers to its repository under either name: the DR Jobs may name either.
  // Executors are keyed by repository (no tag); the mapping wants a tag, which is then dropped.
  const jobExecutors = Object.fromEntries(
    Object.entries(options.jobExecutors ?? {}).flatMap(([repository, executor]) => {
      const registered = throughRegistry(`${repository}:any`);
      return registered
        ? [
            [repository, executor],
            [imageRepository(registered), executor],
          ]
        : [[repository, executor]];
    }),
  );
  const kube = await startKubeSim({
    images: [...options.images, ...registryImages],
    enforceImages: true,
    jobExecutors,
  });
  const nodeGroups = NODE_POOLS.map((pool) => ({ ...pool, desiredSize: pool.minSize }));
  for (const pool of nodeGroups) {
    for (let ordinal = 0; ordinal < pool.desiredSize; ordinal += 1)
      kube.addNode(poolNode(pool, ordinal, options.drRegion, options.layout));
  }
  await kube.settle();
  return {
    kube,
    eksCluster: {
      name: drClusterNameOf(options.clusterName),
      version: KUBERNETES_VERSION,
      endpoint: kube.url,
      nodeGroups,
    },
    nodeGroupScaler: kubeSimNodeGroupScaler(kube, options.drRegion, options.layout),
    stop: () => kube.stop(),
  };
}

/** One aws-sim serves both regions' EKS: each cluster's node groups scale its own kube-sim. */
export function nodeGroupScalerByCluster(
  scalers: Readonly<Record<string, NodeGroupScaler>>,
): NodeGroupScaler {
  return {
    scale(clusterName, nodeGroup, desiredSize) {
      const scaler = scalers[clusterName];
      if (!scaler) {
        throw new Error(
          `no kube-sim for EKS cluster ${clusterName} (known: ${Object.keys(scalers).join(', ')})`,
        );
      }
      return scaler.scale(clusterName, nodeGroup, desiredSize);
    },
  };
}

export interface LocalDrSide {
  readonly region: string;
  readonly clusterName: string;
  /** The standby cluster's Kubernetes API. */
  readonly kube: KubeSim;
  readonly hostedZoneId: string;
  readonly dns: LocalDnsNames;
  /** Whether the primary region answers (false between losePrimary() and restorePrimary()). */
  readonly primaryOnline: boolean;
  /** The primary region is lost: its Kubernetes API and its MinIO refuse connections. */
  losePrimary(): Promise<void>;
  /** The primary region is back: both listen again on their ports, with every object they held. */
  restorePrimary(): Promise<void>;
  /**
   * Where a name points now (following the zone's CNAMEs, as a resolver in the VPC does) and the
   * loopback URL of the service there, when one runs locally.
   */
  resolve(name: string): ResolvedService;
  /** Names a loopback URL for a region's service name (e.g. a DR Prefect the drill started). */
  serveTarget(targetName: string, url: string): void;
}

export interface ResolvedService {
  readonly name: string;
  /** The service name at the end of the CNAME chain. */
  readonly target: string;
  /** Its loopback URL; undefined when nothing local serves that name. */
  readonly url?: string;
}

export interface LocalDrSideOptions {
  readonly standby: DrStandbyCluster;
  readonly region: string;
  readonly route53: Route53Simulator;
  readonly dns: LocalDnsNames;
  readonly primary: { readonly kube: KubeSim; readonly minio: S3Endpoint };
  /** Loopback URLs of the services each region runs, by service name (see localDnsNames). */
  readonly services: Readonly<Record<string, string>>;
}

export function createLocalDrSide(options: LocalDrSideOptions): LocalDrSide {
  const { standby, route53, dns, primary } = options;
  const zone = route53.hostedZone(dns.zoneName);
  if (!zone) throw new Error(`aws-sim has no hosted zone ${dns.zoneName}: seed platformHostedZone() first`);
  const services = new Map(Object.entries(options.services).map(([name, url]) => [canonical(name), url]));
  let primaryOnline = true;
  return {
    region: options.region,
    clusterName: standby.eksCluster.name,
    kube: standby.kube,
    hostedZoneId: zone.id,
    dns,
    get primaryOnline() {
      return primaryOnline;
    },
    async losePrimary() {
      await Promise.all([primary.kube.goOffline(), primary.minio.goOffline()]);
      primaryOnline = false;
    },
    async restorePrimary() {
      await Promise.all([primary.kube.goOnline(), primary.minio.goOnline()]);
      primaryOnline = true;
    },
    resolve(name) {
      // The region's service names are outside the zone, so the chain ends at the one it points to.
      const target = route53.resolve(name, 'A').chain.at(-1)!;
      const url = services.get(target);
      return { name: canonical(name), target, ...(url === undefined ? {} : { url }) };
    },
    serveTarget(targetName, url) {
      services.set(canonical(targetName), url);
    },
  };
}

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}
