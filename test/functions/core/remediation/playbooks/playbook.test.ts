import { describe, expect, it } from 'vitest';
import type { KubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import { scalePrefectWorkersParams } from '../../../../../functions/core/remediation/playbooks/catalogue.ts';
import { definePlaybook, refused } from '../../../../../functions/core/remediation/playbooks/playbook.ts';
import { CLUSTER, playbookEvent, targetIn } from './kube-sim-cluster.ts';

// The frame never calls the API itself: a playbook that is not reached needs none.
const kubernetes = {} as KubernetesApi;
const dependencies = { kubernetes, clusterName: CLUSTER, now: () => new Date('2026-11-26T01:05:00Z') };
const workers = targetIn('Deployment', 'prefect-worker', 'prefect');

describe('definePlaybook', () => {
  const decided: unknown[] = [];
  const playbook = definePlaybook('scale-prefect-workers', scalePrefectWorkersParams, async (context) => {
    decided.push(context.params);
    return context.params.max > 5
      ? { outcome: 'acted', detail: 'did it', before: { replicas: 1 }, after: { replicas: 2 }, changes: [] }
      : refused('bound too low', { replicas: 1 });
  });

  it('gives the playbook its typed params and turns acting into CHANGED, or DRY_RUN in a dry run', async () => {
    const acted = await playbook(playbookEvent(workers, { params: { max: 10 } }), dependencies);
    const dryRun = await playbook(
      playbookEvent(workers, { params: { max: 10 }, dryRun: true }),
      dependencies,
    );

    expect(acted).toEqual({
      playbook: 'scale-prefect-workers',
      outcome: 'CHANGED',
      detail: 'did it',
      before: { replicas: 1 },
      after: { replicas: 2 },
      changes: [],
    });
    expect(dryRun.outcome).toBe('DRY_RUN');
    expect(decided).toContainEqual({ max: 10 });
  });

  it('reports a refusal with the state before as the state after', async () => {
    const result = await playbook(playbookEvent(workers, { params: { max: 3 } }), dependencies);

    expect(result).toEqual({
      playbook: 'scale-prefect-workers',
      outcome: 'REFUSED',
      detail: 'bound too low',
      before: { replicas: 1 },
      after: { replicas: 1 },
      changes: [],
    });
  });

  it('fails on a target in another cluster', async () => {
    await expect(
      playbook(playbookEvent({ ...workers, cluster: 'other' }, { params: { max: 10 } }), dependencies),
    ).rejects.toThrow(
      `scale-prefect-workers: the target other/prefect/Deployment/prefect-worker is in cluster other, but this function acts on cluster ${CLUSTER}`,
    );
  });

  it('fails on params that are not the playbook’s, naming the problem', async () => {
    await expect(
      playbook(playbookEvent(workers, { params: { step: 0 } }), dependencies),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^scale-prefect-workers: invalid params: .*max/),
    });
  });
});
