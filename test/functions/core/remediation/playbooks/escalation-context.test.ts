import { describe, expect, it } from 'vitest';
import { escalationContext } from '../../../../../functions/core/remediation/playbooks/escalation-context.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import { breakPod, podsOf, seedDeployment, targetIn, useKubeSimCluster } from './kube-sim-cluster.ts';

function event(
  name: string,
  namespace: string,
  kind: string,
  object: string,
  reason: string,
  at: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { kind, name: object, namespace: kind === 'Node' ? undefined : namespace },
    type: 'Warning',
    reason,
    message: `${reason} happened`,
    count: 3,
    lastTimestamp: at,
  } as unknown as KubeObject;
}

describe('escalationContext', () => {
  const cluster = useKubeSimCluster();

  it("gathers a crash-looping Deployment's events and its pod's previous log, newest event first", async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 1);
    const pod = podsOf(cluster.sim(), 'prefect', 'app=worker')[0]!;
    const name = pod.metadata?.name ?? '';
    await breakPod(cluster.sim(), pod, 'crash-loop', 2);
    cluster.sim().setPodLog('prefect', name, 'line 1\nline 2\nTraceback: boom\n');
    cluster
      .sim()
      .apply(event('e1', 'prefect', 'Deployment', 'worker', 'ScalingReplicaSet', '2026-11-26T01:00:00Z'));
    cluster.sim().apply(event('e2', 'prefect', 'Pod', name, 'BackOff', '2026-11-26T01:02:00Z'));
    cluster.sim().apply(event('e3', 'prefect', 'Pod', 'other', 'BackOff', '2026-11-26T01:03:00Z'));

    const context = await escalationContext(cluster.api(), targetIn('Deployment', 'worker', 'prefect'), {
      maxEvents: 10,
      maxPods: 3,
      tailLines: 2,
      limitBytes: 1000,
    });

    expect(context.events).toEqual([
      {
        object: `Pod prefect/${name}`,
        type: 'Warning',
        reason: 'BackOff',
        message: 'BackOff happened',
        count: 3,
        lastSeen: '2026-11-26T01:02:00.000Z',
      },
      expect.objectContaining({ object: 'Deployment prefect/worker', reason: 'ScalingReplicaSet' }),
    ]);
    expect(context.logs).toEqual([
      { pod: `prefect/${name}`, container: 'main', previous: true, text: 'line 2\nTraceback: boom\n' },
    ]);
  });

  it("bounds each log by bytes, and finds a node's events in the default namespace", async () => {
    cluster.sim().apply(event('n1', 'default', 'Node', 'node-a', 'NodeNotReady', '2026-11-26T01:00:00Z'));
    seedDeployment(cluster.sim(), 'web', 'prefect', 1, (object) => {
      object.spec!.template.spec!.nodeSelector = { 'kubernetes.io/hostname': 'node-a' };
    });
    const name = podsOf(cluster.sim(), 'prefect', 'app=web')[0]?.metadata?.name ?? '';
    cluster.sim().setPodLog('prefect', name, 'x'.repeat(500));

    const context = await escalationContext(cluster.api(), targetIn('Node', 'node-a'), {
      maxEvents: 10,
      maxPods: 1,
      tailLines: 10,
      limitBytes: 64,
    });

    expect(context.events[0]).toMatchObject({ object: 'Node node-a', reason: 'NodeNotReady' });
    expect(context.logs).toEqual([
      { pod: `prefect/${name}`, container: 'main', previous: false, text: 'x'.repeat(64) },
    ]);
  });

  it('names the reason when a log cannot be read instead of failing', async () => {
    cluster.sim().images.enforce();
    seedDeployment(cluster.sim(), 'broken', 'prefect', 1);
    const name = podsOf(cluster.sim(), 'prefect', 'app=broken')[0]?.metadata?.name ?? '';

    const context = await escalationContext(cluster.api(), targetIn('Pod', name, 'prefect'));

    expect(context.logs).toEqual([
      {
        pod: `prefect/${name}`,
        container: 'main',
        previous: false,
        text: expect.stringMatching(/^\(no log: .*waiting to start: trying and failing to pull image/),
      },
    ]);
  });
});
