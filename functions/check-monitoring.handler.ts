import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesCheckDependencies } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { checkMonitoring } from './core/validation/monitoring.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: Prometheus, Alertmanager and Grafana ready. */
export const handler = createHandler(
  {
    name: 'check-monitoring',
    environment: kubernetesHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) => checkMonitoring(await kubernetesCheckDependencies(env)),
);
