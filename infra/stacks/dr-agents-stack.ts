import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DR_GROUPS } from '../../cluster-manifests/src/rbac.ts';
import type { PrimaryAgent } from '../../functions/core/dr/primary-agent/invoke-agent.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import { DR_AGENT_HANDLERS } from './dr-functions.ts';
import { grantFunctionsKubernetesGroups } from './function-access-entries.ts';
import { createOpsFunctions, type OpsFunctionDependencies, SERVICE_NAME } from './ops-functions.ts';

/** The fence's Kubernetes group on the primary cluster (the DR cluster's are the DrStack's). */
const AGENT_KUBERNETES_GROUPS = [
  { group: DR_GROUPS.fence, handlers: ['fence-primary', 'lift-fence'] },
] as const;

export interface DrAgentsStackProps extends NestedStackProps {
  readonly config: EnvironmentConfig;
  readonly functionDependencies: OpsFunctionDependencies;
  readonly alarmTopic: ITopic;
}

/**
 * The primary region's side of a failover (docs/dr.md, "Where the failover runs"): fence-primary,
 * lift-fence and resync-from-replica, next to MinIO and the private Prefect API, under the names
 * the DR control plane's invoke-primary-agent calls (`lakehouse-ops-<env>-<agent>`). A nested
 * stack of the OpsStack, with their access entries on the primary cluster and their alarms.
 */
export class DrAgentsStack extends NestedStack {
  readonly agents: Record<PrimaryAgent, OpsFunction>;

  constructor(scope: Construct, id: string, props: DrAgentsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.agents = createOpsFunctions(this, DR_AGENT_HANDLERS, props.functionDependencies);
    grantFunctionsKubernetesGroups(this, config.clusterName, this.agents, AGENT_KUBERNETES_GROUPS);
    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      dashboardName: `${SERVICE_NAME}-${config.name}-dr-agents`,
      workflows: [],
      functions: DR_AGENT_HANDLERS.map((name) => ({ name, fn: this.agents[name] })),
      alarmTopic: props.alarmTopic,
      deadLetterQueues: [],
    });
  }
}
