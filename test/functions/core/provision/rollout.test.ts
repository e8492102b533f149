import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  daemonSetRollout,
  deploymentRollout,
  statefulSetRollout,
} from '../../../../functions/core/provision/rollout.ts';

const deployment = (
  spec: Partial<NonNullable<V1Deployment['spec']>>,
  status: V1Deployment['status'],
  generation = 2,
): V1Deployment => ({
  metadata: { name: 'web', generation },
  spec: { selector: {}, template: {}, ...spec },
  status,
});

describe('deploymentRollout', () => {
  it('waits for the controller to observe the latest generation', () => {
    expect(deploymentRollout(deployment({ replicas: 1 }, { observedGeneration: 1 }))).toEqual({
      state: 'progressing',
      status: 'waiting for the rollout to be observed',
    });
  });

  it.each([
    [{ observedGeneration: 2, updatedReplicas: 1, replicas: 3 }, '1 out of 3 new replicas have been updated'],
    [
      { observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 },
      '1 old replicas are pending termination',
    ],
    [
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 },
      '2 of 3 updated replicas are available',
    ],
  ])('is progressing while %o', (status, message) => {
    expect(deploymentRollout(deployment({ replicas: 3 }, status))).toEqual({
      state: 'progressing',
      status: message,
    });
  });

  it('is complete when every replica is updated and available', () => {
    const verdict = deploymentRollout(
      deployment(
        { replicas: 3 },
        { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      ),
    );
    expect(verdict.state).toBe('complete');
  });

  it('has failed once its progress deadline passed', () => {
    const verdict = deploymentRollout(
      deployment(
        { replicas: 1 },
        {
          observedGeneration: 2,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "web-1" has timed out progressing.',
            },
          ],
        },
      ),
    );
    expect(verdict).toEqual({
      state: 'failed',
      status: 'exceeded its progress deadline: ReplicaSet "web-1" has timed out progressing.',
    });
  });
});

describe('statefulSetRollout', () => {
  const statefulSet = (
    spec: Partial<V1StatefulSet['spec']>,
    status: V1StatefulSet['status'],
  ): V1StatefulSet => ({
    metadata: { name: 'minio', generation: 1 },
    spec: { selector: {}, serviceName: 'minio', template: {}, replicas: 4, ...spec },
    status: { replicas: 4, observedGeneration: 1, ...status },
  });

  it('waits for every pod to be ready, then for the update revision to become current', () => {
    expect(statefulSetRollout(statefulSet({}, { replicas: 4, readyReplicas: 3 }))).toEqual({
      state: 'progressing',
      status: '3 of 4 pods are ready',
    });
    expect(
      statefulSetRollout(
        statefulSet(
          {},
          { replicas: 4, readyReplicas: 4, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'b' },
        ),
      ).state,
    ).toBe('progressing');
    expect(
      statefulSetRollout(
        statefulSet({}, { replicas: 4, readyReplicas: 4, currentRevision: 'b', updateRevision: 'b' }),
      ).state,
    ).toBe('complete');
  });

  it('counts only the pods above the partition', () => {
    const partitioned = statefulSet(
      { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      { replicas: 4, readyReplicas: 4, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'b' },
    );
    expect(statefulSetRollout(partitioned).state).toBe('complete');
  });

  it('has nothing to wait for with the OnDelete strategy', () => {
    const onDelete = statefulSet({ updateStrategy: { type: 'OnDelete' } }, { replicas: 4, readyReplicas: 1 });
    expect(statefulSetRollout(onDelete).state).toBe('complete');
  });
});

describe('daemonSetRollout', () => {
  const daemonSet = (status: V1DaemonSet['status']): V1DaemonSet => ({
    metadata: { name: 'agent', generation: 1 },
    status: {
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 3,
      observedGeneration: 1,
      ...status,
    } as V1DaemonSet['status'],
  });

  it('waits for the pods on every node to be updated and available', () => {
    expect(
      daemonSetRollout(
        daemonSet({
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 2,
          numberReady: 2,
        } as V1DaemonSet['status']),
      ).status,
    ).toBe('2 out of 3 new pods have been updated');
    expect(
      daemonSetRollout(
        daemonSet({
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberAvailable: 3,
          numberReady: 3,
        } as V1DaemonSet['status']),
      ).state,
    ).toBe('complete');
  });
});
