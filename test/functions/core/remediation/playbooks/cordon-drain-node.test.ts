import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  cordonDrainNode,
  MIRROR_POD_ANNOTATION,
} from '../../../../../functions/core/remediation/playbooks/cordon-drain-node.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import {
  playbookEvent,
  seedBudget,
  seedDeployment,
  targetIn,
  useKubeSimCluster,
} from './kube-sim-cluster.ts';

/** A clock that only moves when the drain sleeps, so backoff is instant and measurable. */
function virtualTime(onSleep: (milliseconds: number) => void = () => undefined) {
  let now = Date.parse('2026-11-26T01:05:00Z');
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    sleep: async (milliseconds: number) => {
      sleeps.push(milliseconds);
      now += milliseconds;
      onSleep(milliseconds);
    },
  };
}

describe('cordonDrainNode', () => {
  const cluster = useKubeSimCluster();
  const podsOn = (node: string) =>
    (cluster.sim().list('v1', 'Pod') as V1Pod[]).filter((pod) => pod.spec?.nodeName === node);
  const unschedulable = (node: string) =>
    (cluster.sim().get('v1', 'Node', node) as V1Node | undefined)?.spec?.unschedulable ?? false;

  /** `web` pods pinned to node-a, a DaemonSet, a mirror pod and a bare pod there too. */
  function seedNodeA(webReplicas = 2) {
    seedDeployment(cluster.sim(), 'web', 'prefect', webReplicas, (object) => {
      object.spec!.template.spec!.nodeSelector = { 'kubernetes.io/hostname': 'node-a' };
    });
    cluster.sim().apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-exporter', namespace: 'monitoring' },
      spec: {
        selector: { matchLabels: { app: 'node-exporter' } },
        template: {
          metadata: { labels: { app: 'node-exporter' } },
          spec: { containers: [{ name: 'exporter', image: 'prom/node-exporter:v1.8.2' }] },
        },
      },
    } as KubeObject);
    for (const [name, annotations] of [
      ['kube-proxy-node-a', { [MIRROR_POD_ANNOTATION]: 'abc' }],
      ['debug', {}],
    ] as const) {
      cluster.sim().apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'kube-system', annotations },
        spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'busybox:1.36' }] },
      } as KubeObject);
    }
  }

  it('cordons the node, evicts its workload pods and leaves DaemonSet, mirror and bare pods', async () => {
    seedNodeA();
    const time = virtualTime();

    const result = await cordonDrainNode(playbookEvent(targetIn('Node', 'node-a')), {
      ...cluster.dependencies(),
      ...time,
    });

    expect(result.outcome).toBe('CHANGED');
    expect(unschedulable('node-a')).toBe(true);
    expect(result.after).toMatchObject({
      unschedulable: true,
      evicted: [expect.stringMatching(/^prefect\/web-/), expect.stringMatching(/^prefect\/web-/)],
      blocked: [{ pod: 'kube-system/debug', reason: 'no controller: evicted, it would not come back' }],
      skipped: [
        { pod: 'kube-system/kube-proxy-node-a', reason: 'mirror pod' },
        { pod: expect.stringMatching(/^monitoring\/node-exporter-/), reason: 'DaemonSet node-exporter' },
      ],
    });
    expect(result.changes.map((change) => change.change)).toEqual(['cordoned', 'evicted', 'evicted']);
    expect(result.detail).toMatch(/^cordoned node node-a; evicted 2 pod\(s\); 1 left: kube-system\/debug/);
    // The replacements cannot go anywhere (pinned to the cordoned node), so none runs on it.
    expect(
      podsOn('node-a')
        .map((pod) => pod.metadata?.name)
        .filter((name) => name?.startsWith('web-')),
    ).toEqual([]);
    expect(time.sleeps).toEqual([]);
  });

  it('changes nothing in a dry run and reports what it would evict', async () => {
    seedNodeA();
    const before = podsOn('node-a')
      .map((pod) => pod.metadata?.name)
      .sort();

    const result = await cordonDrainNode(playbookEvent(targetIn('Node', 'node-a'), { dryRun: true }), {
      ...cluster.dependencies(),
      ...virtualTime(),
    });

    expect(result.outcome).toBe('DRY_RUN');
    expect(result.detail).toMatch(/^would cordon node node-a; would evict 2 pod\(s\);.*\(dry run\)$/);
    expect(unschedulable('node-a')).toBe(false);
    expect(
      podsOn('node-a')
        .map((pod) => pod.metadata?.name)
        .sort(),
    ).toEqual(before);
  });

  it('backs off while a PodDisruptionBudget refuses, within the time bound, and reports the blocked pods', async () => {
    seedNodeA();
    seedBudget(cluster.sim(), 'prefect', 'web', { minAvailable: 2 });
    const time = virtualTime();

    const result = await cordonDrainNode(
      playbookEvent(targetIn('Node', 'node-a'), { params: { timeoutSeconds: 5 } }),
      { ...cluster.dependencies(), ...time },
    );

    expect(result.outcome).toBe('CHANGED');
    const blocked = (result.after as { blocked: { pod: string; reason: string }[] }).blocked;
    expect(blocked.filter((entry) => entry.pod.startsWith('prefect/web-'))).toEqual([
      {
        pod: expect.stringMatching(/^prefect\/web-/),
        reason: 'blocked by PodDisruptionBudget prefect/web (0 disruptions allowed, 2 healthy of 2 needed)',
      },
      {
        pod: expect.stringMatching(/^prefect\/web-/),
        reason: 'blocked by PodDisruptionBudget prefect/web (0 disruptions allowed, 2 healthy of 2 needed)',
      },
    ]);
    // 1 s, 2 s, then the 2 s left of the 5 s bound.
    expect(time.sleeps).toEqual([1000, 2000, 2000]);
    expect(result.changes).toEqual([{ kind: 'Node', name: 'node-a', change: 'cordoned' }]);
  });

  it('evicts once the budget allows it again', async () => {
    seedNodeA(1);
    seedBudget(cluster.sim(), 'prefect', 'web', { minAvailable: 1 });
    // Someone relaxes the budget while the drain waits.
    const time = virtualTime(() => seedBudget(cluster.sim(), 'prefect', 'web', { minAvailable: 0 }));

    const result = await cordonDrainNode(playbookEvent(targetIn('Node', 'node-a')), {
      ...cluster.dependencies(),
      ...time,
    });

    expect(time.sleeps).toEqual([1000]);
    expect((result.after as { evicted: string[] }).evicted).toEqual([
      expect.stringMatching(/^prefect\/web-/),
    ]);
  });

  it('stops retrying at stopBy even when timeoutSeconds is longer', async () => {
    seedNodeA(1);
    seedBudget(cluster.sim(), 'prefect', 'web', { minAvailable: 1 });
    const time = virtualTime();

    await cordonDrainNode(playbookEvent(targetIn('Node', 'node-a'), { params: { timeoutSeconds: 600 } }), {
      ...cluster.dependencies(),
      ...time,
      stopBy: new Date(time.now().getTime() + 1500),
    });

    expect(time.sleeps).toEqual([1000, 500]);
  });

  it('skips a node that is already cordoned and empty', async () => {
    cluster.sim().setNodeUnschedulable('node-c', true);

    const result = await cordonDrainNode(playbookEvent(targetIn('Node', 'node-c')), cluster.dependencies());

    expect(result).toMatchObject({
      outcome: 'SKIPPED',
      detail: 'node node-c is already cordoned and drained',
    });
  });

  it('skips a node that is gone', async () => {
    const result = await cordonDrainNode(playbookEvent(targetIn('Node', 'node-z')), cluster.dependencies());

    expect(result).toMatchObject({ outcome: 'SKIPPED', detail: 'node node-z is gone: nothing to drain' });
  });
});
