import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesCheckDependencies } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';
import { checkS5cmdExecutor } from './core/validation/s5cmd-executor.ts';

/** validate-platform check: s5cmd ServiceAccount and pinned, suspended Job template. */
export const handler = createHandler(
  {
    name: 'check-s5cmd-executor',
    environment: kubernetesHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) => checkS5cmdExecutor(await kubernetesCheckDependencies(env)),
);
