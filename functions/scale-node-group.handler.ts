import { eksClient } from './commons/aws-clients.ts';
import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { eksNodeGroups } from './core/remediation/playbooks/node-groups.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';
import { scaleNodeGroup } from './core/remediation/playbooks/scale-node-group.ts';

/** remediate playbook: raise the managed node group an unschedulable pod needs by `step`, up to its maximum. */
export const handler = createHandler(
  { name: 'scale-node-group', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    scaleNodeGroup(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      clusterName: env.CLUSTER_NAME,
      nodeGroups: eksNodeGroups({ eks: eksClient(), clusterName: env.CLUSTER_NAME }),
      nodeGroupLabel: parsePlatformLayout(env.PLATFORM_LAYOUT).nodes.nodeGroupLabel,
    }),
);
