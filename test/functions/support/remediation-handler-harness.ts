import type { NodeGroupConfig } from '../../../local/aws-sim/eks.ts';
import { CLUSTER } from '../core/remediation/playbooks/kube-sim-cluster.ts';
import { useHandlerEnvironment } from './lambda.ts';
import { type SimulatedCluster, TEST_CLUSTER, useSimulatedCluster } from './simulators.ts';

/**
 * What the remediation handlers meet in the drill: kube-sim (three Ready nodes) behind aws-sim's
 * EKS, which also serves `nodeGroups`, and the handler's environment.
 */
export function useRemediationHandlerHarness(
  variables: () => Record<string, string> = () => ({}),
  nodeGroups: readonly NodeGroupConfig[] = [],
): SimulatedCluster {
  if (CLUSTER !== TEST_CLUSTER) throw new Error('the playbook events must name the simulated cluster');
  const cluster = useSimulatedCluster(
    () => ({
      nodes: ['a', 'b', 'c'].map((zone) => ({
        name: `node-${zone}`,
        zone: `eu-west-1${zone}`,
        nodeGroup: 'system',
      })),
    }),
    () => ({}),
    () => nodeGroups,
  );
  useHandlerEnvironment(() => ({ ...cluster.environment(), ...variables() }));
  return cluster;
}

export {
  breakPod,
  playbookEvent,
  podsOf,
  seedBudget,
  seedDeployment,
  seedStatefulSet,
  stored,
  targetIn,
} from '../core/remediation/playbooks/kube-sim-cluster.ts';
