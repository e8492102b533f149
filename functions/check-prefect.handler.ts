import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesCheckDependencies } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { checkPrefect } from './core/validation/prefect.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: Prefect server and workers available. */
export const handler = createHandler(
  { name: 'check-prefect', environment: kubernetesHandlerEnvironment, event: validatePlatformRequestSchema },
  async (_request, { env }) => checkPrefect(await kubernetesCheckDependencies(env)),
);
