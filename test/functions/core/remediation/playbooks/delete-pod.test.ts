import { describe, expect, it } from 'vitest';
import { deletePod } from '../../../../../functions/core/remediation/playbooks/delete-pod.ts';
import {
  breakPod,
  playbookEvent,
  podsOf,
  seedDeployment,
  targetIn,
  useKubeSimCluster,
} from './kube-sim-cluster.ts';

describe('deletePod', () => {
  const cluster = useKubeSimCluster();
  const run = (event: Parameters<typeof deletePod>[0]) => deletePod(event, cluster.dependencies());
  const crashLoopingPod = async (restarts: number) => {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 1);
    const pod = podsOf(cluster.sim(), 'prefect', 'app=worker')[0]!;
    await breakPod(cluster.sim(), pod, 'crash-loop', restarts);
    return pod.metadata?.name ?? '';
  };

  it('deletes a crash-looping pod and its ReplicaSet replaces it', async () => {
    const name = await crashLoopingPod(4);
    // The first crash happens when the fault is set, then one per tick.
    const restarts = 5;

    const result = await run(playbookEvent(targetIn('Pod', name, 'prefect')));

    expect(result).toMatchObject({
      playbook: 'delete-pod',
      outcome: 'CHANGED',
      before: { kind: 'Pod', name, restarts, ready: false },
      after: { deleted: true },
      changes: [{ kind: 'Pod', namespace: 'prefect', name, change: 'deleted' }],
    });
    expect(result.detail).toMatch(
      new RegExp(
        `^deleted pod prefect/${name} \\(restarted ${restarts} times; ReplicaSet worker-\\w+ recreates it\\)$`,
      ),
    );
    const pods = podsOf(cluster.sim(), 'prefect', 'app=worker');
    expect(pods.map((pod) => pod.metadata?.name)).not.toContain(name);
    expect(pods).toHaveLength(1);
  });

  it('keeps the pod in a dry run and says it would delete it', async () => {
    const name = await crashLoopingPod(4);

    const result = await run(playbookEvent(targetIn('Pod', name, 'prefect'), { dryRun: true }));

    expect(result.outcome).toBe('DRY_RUN');
    expect(result.detail).toMatch(/^would delete pod prefect\/.+ \(dry run\)$/);
    expect(cluster.sim().get('v1', 'Pod', name, 'prefect')).toBeDefined();
  });

  it('refuses a pod without a controller', async () => {
    cluster.sim().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'debug',
        namespace: 'prefect',
        annotations: { 'kube-sim.lakehouse-ops.io/fault': 'crash-loop' },
      },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    });
    await cluster.sim().tick(5);

    const result = await run(playbookEvent(targetIn('Pod', 'debug', 'prefect')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'pod prefect/debug has no controller: deleted, it would not come back',
    });
    expect(cluster.sim().get('v1', 'Pod', 'debug', 'prefect')).toBeDefined();
  });

  it('refuses a pod that is not crash-looping', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 1);
    const name = podsOf(cluster.sim(), 'prefect', 'app=worker')[0]?.metadata?.name ?? '';

    const result = await run(playbookEvent(targetIn('Pod', name, 'prefect'), { params: { minRestarts: 2 } }));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: `pod prefect/${name} is not crash-looping (no container in CrashLoopBackOff, 0 restarts, fewer than 2)`,
    });
  });

  it('skips a pod that is already gone', async () => {
    const result = await run(playbookEvent(targetIn('Pod', 'worker-gone', 'prefect')));

    expect(result).toMatchObject({ outcome: 'SKIPPED', detail: 'pod prefect/worker-gone is already gone' });
  });

  it('fails on params the playbook does not take', async () => {
    await expect(
      run(playbookEvent(targetIn('Pod', 'x', 'prefect'), { params: { force: true } })),
    ).rejects.toThrow(/^delete-pod: invalid params: /);
  });
});
