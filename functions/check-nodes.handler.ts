import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesCheckDependencies } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { checkNodes } from './core/validation/nodes.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: every Node Ready, schedulable, without pressure. */
export const handler = createHandler(
  { name: 'check-nodes', environment: kubernetesHandlerEnvironment, event: validatePlatformRequestSchema },
  async (_request, { env }) => checkNodes(await kubernetesCheckDependencies(env)),
);
