import type { V1ResourceRequirements } from '@kubernetes/client-node';
import type { EnvironmentConfig, EnvironmentName } from '../../infra/config/environment-config.ts';

/**
 * How big each environment's workloads are. infra/config/ says how large an environment is (node
 * counts, object-store capacity, monitoring level); the per-container figures below are this
 * folder's, one tier per environment, so development stays cheap and production has headroom.
 */
export type SizeTier = 'small' | 'medium' | 'large';

export const TIER_OF: Record<EnvironmentName, SizeTier> = {
  development: 'small',
  staging: 'medium',
  production: 'large',
};

interface Resources {
  /** [request, limit] */
  readonly cpu: readonly [string, string];
  readonly memory: readonly [string, string];
}

export type SizedComponent =
  | 'prefectServer'
  | 'prefectWorker'
  | 'postgresql'
  | 'minio'
  | 's5cmd'
  | 'prometheus'
  | 'alertmanager'
  | 'grafana'
  | 'kubeStateMetrics';

interface TierSizes {
  readonly resources: Record<SizedComponent, Resources>;
  readonly prefectWorkerReplicas: number;
  readonly postgresqlStorage: string;
}

// Memory limit = request for the stateful tier (PostgreSQL, MinIO, Prometheus): an OOM kill there
// costs far more than the memory, and the scheduler then reserves what the pod may really use.
const TIERS: Record<SizeTier, TierSizes> = {
  small: {
    resources: {
      prefectServer: { cpu: ['250m', '1'], memory: ['512Mi', '1Gi'] },
      prefectWorker: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
      postgresql: { cpu: ['250m', '1'], memory: ['1Gi', '1Gi'] },
      minio: { cpu: ['500m', '2'], memory: ['2Gi', '2Gi'] },
      s5cmd: { cpu: ['500m', '2'], memory: ['512Mi', '1Gi'] },
      prometheus: { cpu: ['250m', '1'], memory: ['1Gi', '1Gi'] },
      alertmanager: { cpu: ['50m', '200m'], memory: ['64Mi', '128Mi'] },
      grafana: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
      kubeStateMetrics: { cpu: ['50m', '200m'], memory: ['128Mi', '256Mi'] },
    },
    prefectWorkerReplicas: 1,
    postgresqlStorage: '20Gi',
  },
  medium: {
    resources: {
      prefectServer: { cpu: ['500m', '2'], memory: ['1Gi', '2Gi'] },
      prefectWorker: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
      postgresql: { cpu: ['1', '2'], memory: ['4Gi', '4Gi'] },
      minio: { cpu: ['1', '4'], memory: ['8Gi', '8Gi'] },
      s5cmd: { cpu: ['1', '4'], memory: ['1Gi', '2Gi'] },
      prometheus: { cpu: ['500m', '2'], memory: ['4Gi', '4Gi'] },
      alertmanager: { cpu: ['50m', '200m'], memory: ['64Mi', '128Mi'] },
      grafana: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
      kubeStateMetrics: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
    },
    prefectWorkerReplicas: 2,
    postgresqlStorage: '50Gi',
  },
  large: {
    resources: {
      prefectServer: { cpu: ['1', '2'], memory: ['2Gi', '4Gi'] },
      prefectWorker: { cpu: ['250m', '1'], memory: ['512Mi', '1Gi'] },
      postgresql: { cpu: ['2', '4'], memory: ['8Gi', '8Gi'] },
      minio: { cpu: ['2', '4'], memory: ['16Gi', '16Gi'] },
      s5cmd: { cpu: ['2', '4'], memory: ['2Gi', '4Gi'] },
      prometheus: { cpu: ['1', '4'], memory: ['8Gi', '8Gi'] },
      alertmanager: { cpu: ['50m', '200m'], memory: ['128Mi', '256Mi'] },
      grafana: { cpu: ['250m', '1'], memory: ['512Mi', '1Gi'] },
      kubeStateMetrics: { cpu: ['100m', '500m'], memory: ['256Mi', '512Mi'] },
    },
    prefectWorkerReplicas: 3,
    postgresqlStorage: '200Gi',
  },
};

export function tierSizes(tier: SizeTier): TierSizes {
  return TIERS[tier];
}

export function resourcesFor(tier: SizeTier, component: SizedComponent): V1ResourceRequirements {
  const { cpu, memory } = TIERS[tier].resources[component];
  return { requests: { cpu: cpu[0], memory: memory[0] }, limits: { cpu: cpu[1], memory: memory[1] } };
}

/** Prometheus and Alertmanager follow infra/config's monitoring level. */
export interface MonitoringProfile {
  readonly prometheusReplicas: number;
  readonly retention: string;
  readonly prometheusStorage: string;
  readonly alertmanagerReplicas: number;
}

const MONITORING: Record<EnvironmentConfig['monitoring']['level'], MonitoringProfile> = {
  basic: { prometheusReplicas: 1, retention: '7d', prometheusStorage: '20Gi', alertmanagerReplicas: 1 },
  // Two Prometheus replicas scrape the same targets, so a restart loses no alert evaluation; three
  // Alertmanagers keep a gossip quorum when one is down.
  enhanced: { prometheusReplicas: 2, retention: '15d', prometheusStorage: '100Gi', alertmanagerReplicas: 3 },
  comprehensive: {
    prometheusReplicas: 2,
    retention: '30d',
    prometheusStorage: '250Gi',
    alertmanagerReplicas: 3,
  },
};

export function monitoringProfile(level: EnvironmentConfig['monitoring']['level']): MonitoringProfile {
  return MONITORING[level];
}
