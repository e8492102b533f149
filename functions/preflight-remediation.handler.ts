import { eksClient } from './commons/aws-clients.ts';
import { preflightRemediationHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';
import { eksNodeGroups } from './core/remediation/playbooks/node-groups.ts';
import { parseChangeWindows, preflight, preflightEventSchema } from './core/remediation/preflight.ts';

/** remediate: may the playbook act on the target now (exists, budgets, do-not-disrupt, change window, MinIO quorum)? */
export const handler = createHandler(
  {
    name: 'preflight-remediation',
    environment: preflightRemediationHandlerEnvironment,
    event: preflightEventSchema,
  },
  async (event, { env }) =>
    preflight(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      clusterName: env.CLUSTER_NAME,
      changeWindows: parseChangeWindows(env.REMEDIATION_CHANGE_WINDOWS),
      layout: parsePlatformLayout(env.PLATFORM_LAYOUT),
      nodeGroups: eksNodeGroups({ eks: eksClient(), clusterName: env.CLUSTER_NAME }),
    }),
);
