import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { restartMinioPod } from '../../../../../functions/core/remediation/playbooks/restart-minio-pod.ts';
import {
  breakPod,
  playbookEvent,
  podsOf,
  seedDeployment,
  seedStatefulSet,
  stored,
  targetIn,
  useKubeSimCluster,
} from './kube-sim-cluster.ts';

describe('restartMinioPod', () => {
  const cluster = useKubeSimCluster();
  const run = (event: Parameters<typeof restartMinioPod>[0]) =>
    restartMinioPod(event, cluster.dependencies());
  const pod = (name: string) => stored<V1Pod>(cluster.sim(), 'v1', 'Pod', name, 'minio');
  const uid = (name: string) => pod(name)?.metadata?.uid;

  /** Four MinIO pods, the ones named not Ready. */
  async function seedMinio(...unready: string[]) {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 4);
    for (const name of unready) await breakPod(cluster.sim(), pod(name)!, 'not-ready');
  }

  it('restarts the unready pod when the other three are Ready', async () => {
    await seedMinio('minio-2');
    const before = uid('minio-2');

    const result = await run(playbookEvent(targetIn('Pod', 'minio-2', 'minio')));

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      detail:
        'restarted MinIO pod minio/minio-2; the other 3 pod(s) of StatefulSet minio/minio are Ready: write quorum holds without minio-2',
      changes: [
        {
          kind: 'Pod',
          namespace: 'minio',
          name: 'minio-2',
          change: 'deleted (restarted by its StatefulSet)',
        },
      ],
    });
    // The StatefulSet recreated it: same name, new pod.
    expect(uid('minio-2')).toBeDefined();
    expect(uid('minio-2')).not.toBe(before);
  });

  it('picks the one unready pod of a StatefulSet target', async () => {
    await seedMinio('minio-1');

    const result = await run(playbookEvent(targetIn('StatefulSet', 'minio', 'minio')));

    expect(result.changes).toEqual([
      { kind: 'Pod', namespace: 'minio', name: 'minio-1', change: 'deleted (restarted by its StatefulSet)' },
    ]);
  });

  it('keeps the pod in a dry run', async () => {
    await seedMinio('minio-2');
    const before = uid('minio-2');

    const result = await run(playbookEvent(targetIn('Pod', 'minio-2', 'minio'), { dryRun: true }));

    expect(result.outcome).toBe('DRY_RUN');
    expect(result.detail).toMatch(/^would restart MinIO pod minio\/minio-2; .* \(dry run\)$/);
    expect(uid('minio-2')).toBe(before);
  });

  it('refuses when another pod is not Ready (quorum would be lost)', async () => {
    await seedMinio('minio-1', 'minio-2');
    const before = uid('minio-2');

    const result = await run(playbookEvent(targetIn('Pod', 'minio-2', 'minio')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'StatefulSet minio/minio would lose write quorum without minio-2: minio-1 not Ready',
      before: { name: 'minio-2', ready: false },
    });
    expect(uid('minio-2')).toBe(before);
  });

  it.each([
    ['every pod is Ready', [], 'every pod of StatefulSet minio/minio is Ready: no pod to restart'],
    [
      'two pods are not Ready',
      ['minio-0', 'minio-3'],
      '2 pods of StatefulSet minio/minio are not Ready (minio-0, minio-3): restarting one at a time cannot keep write quorum',
    ],
  ])('refuses a StatefulSet target when %s', async (_case, unready, detail) => {
    await seedMinio(...unready);

    const result = await run(playbookEvent(targetIn('StatefulSet', 'minio', 'minio')));

    expect(result).toMatchObject({ outcome: 'REFUSED', detail });
  });

  it('refuses a pod that no StatefulSet runs', async () => {
    seedDeployment(cluster.sim(), 'console', 'minio', 1);
    const name = podsOf(cluster.sim(), 'minio', 'app=console')[0]?.metadata?.name ?? '';

    const result = await run(playbookEvent(targetIn('Pod', name, 'minio')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: `pod minio/${name} is not a StatefulSet's pod, so it is not a MinIO server`,
    });
  });

  it('skips a pod that is already gone', async () => {
    await seedMinio();

    const result = await run(playbookEvent(targetIn('Pod', 'minio-7', 'minio')));

    expect(result.outcome).toBe('SKIPPED');
  });
});
