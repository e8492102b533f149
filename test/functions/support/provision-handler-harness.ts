import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { provisionEnvironmentVariable } from '../../../functions/core/provision/settings.ts';
import type { NodeGroupConfig } from '../../../local/aws-sim/eks.ts';
import { useHandlerEnvironment } from './lambda.ts';
import { type SimulatedCluster, TEST_CLUSTER, useSimulatedCluster } from './simulators.ts';

/**
 * What the provision handlers meet in the drill: kube-sim behind aws-sim's EKS (with `nodeGroups`
 * seeded), and the development environment's PROVISION_ENVIRONMENT as infra writes it.
 */
export const DEVELOPMENT = loadClusterEnvironment('development');
export const PROVISION_ENVIRONMENT = provisionEnvironmentVariable(DEVELOPMENT);

export function useProvisionHandlerHarness(
  variables: () => Record<string, string> = () => ({}),
  nodeGroups: readonly NodeGroupConfig[] = [],
): SimulatedCluster {
  const cluster = useSimulatedCluster(
    () => ({}),
    () => ({}),
    () => nodeGroups,
  );
  useHandlerEnvironment(() => ({ ...cluster.environment(), PROVISION_ENVIRONMENT, ...variables() }));
  return cluster;
}

export { TEST_CLUSTER };
