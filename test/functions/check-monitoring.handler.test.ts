import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-monitoring.handler.ts';
import { useKubernetesHandlerHarness } from './support/kubernetes-handler-harness.ts';
import { deployment, statefulSet } from './support/kubernetes-objects.ts';
import { lambdaContext } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('check-monitoring handler', () => {
  const harness = useKubernetesHandlerHarness();

  it('returns PASSED when Prometheus, Alertmanager and Grafana are ready', async () => {
    harness.api().objects.statefulSets = [
      statefulSet('monitoring', 'prometheus'),
      statefulSet('monitoring', 'alertmanager'),
    ];
    harness.api().objects.deployments = [deployment('monitoring', 'grafana')];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ name: 'monitoring', status: 'PASSED' });
  });

  it('throws KubernetesApiError when the function may not read the monitoring namespace', async () => {
    harness
      .api()
      .failWith('/apis/apps/v1/namespaces/monitoring', 403, 'Forbidden', 'statefulsets.apps is forbidden');

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toMatchObject({ name: 'KubernetesApiError', details: { httpStatusCode: 403 } });
  });
});
