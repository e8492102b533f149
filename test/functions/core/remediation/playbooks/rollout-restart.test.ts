import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  RESTARTED_AT_ANNOTATION,
  rolloutRestart,
} from '../../../../../functions/core/remediation/playbooks/rollout-restart.ts';
import {
  playbookEvent,
  podsOf,
  seedDeployment,
  seedStatefulSet,
  stored,
  targetIn,
  useKubeSimCluster,
} from './kube-sim-cluster.ts';

const NOW = new Date('2026-11-26T01:05:00.000Z');

describe('rolloutRestart', () => {
  const cluster = useKubeSimCluster();
  const run = (event: Parameters<typeof rolloutRestart>[0]) =>
    rolloutRestart(event, { ...cluster.dependencies(), now: () => NOW });
  const restartedAt = (name: string) =>
    stored<V1Deployment>(cluster.sim(), 'apps/v1', 'Deployment', name, 'prefect')?.spec?.template?.metadata
      ?.annotations?.[RESTARTED_AT_ANNOTATION];

  it('restarts the Deployment and its controller replaces the pods', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect');
    const before = podsOf(cluster.sim(), 'prefect', 'app=worker').map((pod) => pod.metadata?.name);

    const result = await run(playbookEvent(targetIn('Deployment', 'worker', 'prefect')));

    expect(result).toMatchObject({
      playbook: 'rollout-restart',
      outcome: 'CHANGED',
      detail: `restarted Deployment prefect/worker (restartedAt ${NOW.toISOString()})`,
      before: { kind: 'Deployment', name: 'worker', restartedAt: undefined, generation: 1 },
      after: { restartedAt: NOW.toISOString(), generation: 2 },
      changes: [
        {
          kind: 'Deployment',
          namespace: 'prefect',
          name: 'worker',
          change: `restartedAt ${NOW.toISOString()}`,
        },
      ],
    });
    expect(restartedAt('worker')).toBe(NOW.toISOString());
    const after = podsOf(cluster.sim(), 'prefect', 'app=worker').map((pod) => pod.metadata?.name);
    expect(after).toHaveLength(2);
    expect(after.some((name) => before.includes(name))).toBe(false);
  });

  it('resolves a Pod target to its Deployment through the ReplicaSet', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect');
    const pod = podsOf(cluster.sim(), 'prefect', 'app=worker')[0]!;

    const result = await run(playbookEvent(targetIn('Pod', pod.metadata?.name ?? '', 'prefect')));

    expect(result.outcome).toBe('CHANGED');
    expect(result.changes[0]).toMatchObject({ kind: 'Deployment', name: 'worker' });
  });

  it('finds the Deployment of a pod that an earlier playbook already deleted, by its name', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect');
    const pod = podsOf(cluster.sim(), 'prefect', 'app=worker')[0]!;
    cluster.sim().delete('v1', 'Pod', pod.metadata?.name ?? '', 'prefect');

    const result = await run(playbookEvent(targetIn('Pod', pod.metadata?.name ?? '', 'prefect')));

    expect(result.changes[0]).toMatchObject({ kind: 'Deployment', name: 'worker' });
  });

  it('restarts a StatefulSet', async () => {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 2);

    const result = await run(playbookEvent(targetIn('StatefulSet', 'minio', 'minio')));

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      after: { kind: 'StatefulSet', restartedAt: NOW.toISOString() },
    });
  });

  it('changes nothing in a dry run and says what it would do', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect');

    const result = await run(playbookEvent(targetIn('Deployment', 'worker', 'prefect'), { dryRun: true }));

    expect(result).toMatchObject({
      outcome: 'DRY_RUN',
      detail: 'would restart Deployment prefect/worker (dry run)',
      after: { restartedAt: NOW.toISOString() },
    });
    expect(restartedAt('worker')).toBeUndefined();
  });

  it('refuses a paused Deployment', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 1, (object) => {
      object.spec!.paused = true;
    });

    const result = await run(playbookEvent(targetIn('Deployment', 'worker', 'prefect')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'Deployment prefect/worker is paused: its rollout is held on purpose, so it is not restarted',
      changes: [],
    });
    expect(restartedAt('worker')).toBeUndefined();
  });

  it('refuses a StatefulSet that updates OnDelete', async () => {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 1, (object) => {
      object.spec!.updateStrategy = { type: 'OnDelete' };
    });

    const result = await run(playbookEvent(targetIn('StatefulSet', 'minio', 'minio')));

    expect(result.outcome).toBe('REFUSED');
    expect(result.detail).toContain('OnDelete');
  });

  it('refuses a pod without a controller', async () => {
    cluster.sim().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'prefect' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    });

    const result = await run(playbookEvent(targetIn('Pod', 'debug', 'prefect')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'nothing to restart: pod prefect/debug has no controller',
    });
  });

  it('refuses a target kind it does not act on', async () => {
    const result = await run(playbookEvent(targetIn('Node', 'node-a')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'rollout-restart acts on Deployment, StatefulSet, Pod targets, not on Node node-a',
    });
  });
});
