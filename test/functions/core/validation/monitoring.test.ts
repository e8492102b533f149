import { beforeEach, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { checkMonitoring } from '../../../../functions/core/validation/monitoring.ts';
import { FakeClusterReader } from '../../support/fake-cluster-reader.ts';
import { deployment, statefulSet } from '../../support/kubernetes-objects.ts';

describe('checkMonitoring', () => {
  let reader: FakeClusterReader;
  const check = () => checkMonitoring({ reader, layout: defaultPlatformLayout });

  beforeEach(() => {
    reader = new FakeClusterReader();
    reader.statefulSets = [
      statefulSet('monitoring', 'prometheus', { replicas: 2 }),
      statefulSet('monitoring', 'alertmanager', { replicas: 3 }),
    ];
    reader.deployments = [deployment('monitoring', 'grafana')];
  });

  it('passes when Prometheus, Alertmanager and Grafana are ready', async () => {
    const result = await check();

    expect(result).toMatchObject({
      name: 'monitoring',
      status: 'PASSED',
      observations: { prometheus: { desired: 2, ready: 2 }, alertmanager: { desired: 3, ready: 3 } },
    });
  });

  it('fails naming each component that is not ready', async () => {
    reader.statefulSets[1] = statefulSet('monitoring', 'alertmanager', { replicas: 3, ready: 2 });
    reader.deployments = [deployment('monitoring', 'grafana', { replicas: 1, available: 0 })];

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail:
        'StatefulSet monitoring/alertmanager has 2 of 3 replicas ready; ' +
        'Deployment monitoring/grafana has 0 available replicas, needs 1',
    });
  });

  it('fails when Prometheus is missing', async () => {
    reader.statefulSets = reader.statefulSets.slice(1);

    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'StatefulSet monitoring/prometheus not found' });
  });
});
