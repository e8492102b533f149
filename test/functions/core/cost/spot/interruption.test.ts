import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  drainDeadline,
  drainInterruptedNode,
  findInterruptedNode,
  instanceOfProviderId,
} from '../../../../../functions/core/cost/spot/interruption.ts';
import { spotInterruptionEventSchema } from '../../../../../functions/core/cost/spot/interruption-event.ts';
import {
  seedBudget,
  seedDeployment,
  useKubeSimCluster,
} from '../../remediation/playbooks/kube-sim-cluster.ts';
import { virtualTime } from './spot-cluster.ts';
import { rebalanceRecommendation, spotInterruptionWarning } from './spot-events.ts';

const NOTICE = '2026-11-26T01:05:00Z';
const OPTIONS = { clusterName: 'lakehouse-test', nodeGroupLabel: 'eks.amazonaws.com/nodegroup' };

describe('spot interruption', () => {
  const cluster = useKubeSimCluster();
  const node = (name: string) => cluster.sim().get('v1', 'Node', name) as V1Node;
  const instanceOf = (name: string) => instanceOfProviderId(node(name).spec?.providerID)!.instanceId;
  const podsOn = (name: string) =>
    (cluster.sim().list('v1', 'Pod', 'prefect') as V1Pod[]).filter((pod) => pod.spec?.nodeName === name);

  /** One worker pinned to node-a whose budget never allows its eviction. */
  function seedBlockedWorker() {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 1, (object) => {
      object.spec!.template.spec!.nodeSelector = { 'kubernetes.io/hostname': 'node-a' };
    });
    seedBudget(cluster.sim(), 'prefect', 'worker', { minAvailable: 1 });
  }

  async function found(event: unknown) {
    const target = await findInterruptedNode(
      cluster.api(),
      spotInterruptionEventSchema.parse(event),
      OPTIONS,
    );
    if (!target.node) throw new Error(`expected a node: ${target.detail}`);
    return { ...target, node: target.node };
  }

  describe('spotInterruptionEventSchema', () => {
    it('accepts both notices as AWS sends them', () => {
      expect(
        spotInterruptionEventSchema.parse(spotInterruptionWarning('i-1234567890abcdef0', NOTICE)),
      ).toMatchObject({
        'detail-type': 'EC2 Spot Instance Interruption Warning',
        detail: { 'instance-id': 'i-1234567890abcdef0', 'instance-action': 'terminate' },
      });
      expect(
        spotInterruptionEventSchema.safeParse(rebalanceRecommendation('i-1234567890abcdef0', NOTICE)).success,
      ).toBe(true);
    });

    it('refuses another EC2 event and an instance id that is not one', () => {
      const stateChange = {
        ...spotInterruptionWarning('i-1234567890abcdef0', NOTICE),
        'detail-type': 'EC2 Instance State-change Notification',
      };
      const badId = spotInterruptionWarning('node-a', NOTICE);

      expect(spotInterruptionEventSchema.safeParse(stateChange).success).toBe(false);
      expect(spotInterruptionEventSchema.safeParse(badId).error?.issues[0]?.message).toBe(
        'expected an EC2 instance id such as i-0abc12345def67890',
      );
    });
  });

  it('finds the Node whose providerID names the instance', async () => {
    const instanceId = instanceOf('node-b');

    const target = await findInterruptedNode(
      cluster.api(),
      spotInterruptionEventSchema.parse(spotInterruptionWarning(instanceId, NOTICE)),
      OPTIONS,
    );

    expect(target).toEqual({
      instanceId,
      kind: 'interruption',
      noticeTime: NOTICE,
      found: true,
      node: 'node-b',
      zone: 'us-east-1b',
      nodeGroup: 'core',
      capacityType: 'ON_DEMAND',
      detail: `instance ${instanceId} is node node-b of node group core`,
    });
  });

  it('says an instance of another cluster is none of its business', async () => {
    const target = await findInterruptedNode(
      cluster.api(),
      spotInterruptionEventSchema.parse(rebalanceRecommendation('i-0fedcba9876543210', NOTICE)),
      OPTIONS,
    );

    expect(target).toMatchObject({
      found: false,
      kind: 'rebalance',
      detail: 'instance i-0fedcba9876543210 is not a node of cluster lakehouse-test: nothing to do',
    });
  });

  it('cordons and drains the Node, its pods rescheduled elsewhere', async () => {
    seedDeployment(cluster.sim(), 'worker', 'prefect', 3);
    const before = podsOn('node-a').length;
    const time = virtualTime('2026-11-26T01:05:05Z');

    const drain = await drainInterruptedNode(
      cluster.api(),
      await found(spotInterruptionWarning(instanceOf('node-a'), NOTICE)),
      time,
    );

    expect(before).toBeGreaterThan(0);
    expect(drain).toMatchObject({
      outcome: 'DRAINED',
      node: 'node-a',
      cordoned: true,
      deadline: '2026-11-26T01:06:50.000Z',
    });
    expect(drain.evicted).toHaveLength(before);
    expect(podsOn('node-a')).toEqual([]);
    expect(node('node-a').spec?.unschedulable).toBe(true);
    expect(drain.summary).toMatch(
      /^spot interruption warning for i-[0-9a-f]+: node node-a cordoned, \d pod\(s\) evicted$/,
    );
  });

  it('stops within the two minutes when a budget refuses, and reports what is left', async () => {
    seedBlockedWorker();
    const time = virtualTime('2026-11-26T01:05:30Z');

    const drain = await drainInterruptedNode(
      cluster.api(),
      await found(spotInterruptionWarning(instanceOf('node-a'), NOTICE)),
      time,
    );

    expect(drain.outcome).toBe('PARTIAL');
    expect(drain.left).toEqual([
      {
        pod: expect.stringMatching(/^prefect\/worker-/),
        reason:
          'blocked by PodDisruptionBudget prefect/worker (0 disruptions allowed, 1 healthy of 1 needed)',
      },
    ]);
    // The notice was 30 s old: 80 s were left to the deadline (two minutes less the 10 s margin).
    expect(time.now().toISOString()).toBe('2026-11-26T01:06:50.000Z');
  });

  it('evicts once and returns when the notice arrives too late to wait', async () => {
    seedBlockedWorker();
    const time = virtualTime('2026-11-26T01:08:00Z');

    const drain = await drainInterruptedNode(
      cluster.api(),
      await found(spotInterruptionWarning(instanceOf('node-a'), NOTICE)),
      time,
    );

    expect(drain.outcome).toBe('PARTIAL');
    expect(time.now().toISOString()).toBe('2026-11-26T01:08:00.000Z');
  });

  it('bounds a rebalance drain by its own setting, as it has no deadline of its own', () => {
    const now = new Date('2026-11-26T02:00:00Z');

    expect(drainDeadline('rebalance', NOTICE, now, 60).toISOString()).toBe('2026-11-26T02:01:00.000Z');
    expect(drainDeadline('interruption', NOTICE, now).toISOString()).toBe('2026-11-26T01:06:50.000Z');
  });

  it('leaves alone a Node whose name now belongs to another instance', async () => {
    const target = await found(rebalanceRecommendation(instanceOf('node-c'), NOTICE));

    const drain = await drainInterruptedNode(cluster.api(), { ...target, instanceId: 'i-0fedcba9876543210' });

    expect(drain).toMatchObject({ outcome: 'GONE', cordoned: false });
    expect(node('node-c').spec?.unschedulable).toBeFalsy();
  });

  it('says so when the Node was already cordoned and drained by an earlier notice', async () => {
    const target = await found(rebalanceRecommendation(instanceOf('node-c'), NOTICE));
    await drainInterruptedNode(cluster.api(), target);

    const again = await drainInterruptedNode(cluster.api(), { ...target, kind: 'interruption' });

    expect(again.outcome).toBe('ALREADY_DRAINED');
  });
});
