import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { quorumWithout } from '../../../../../functions/core/remediation/playbooks/minio-quorum.ts';

const minio: V1StatefulSet = {
  metadata: { name: 'minio', namespace: 'minio' },
  spec: { replicas: 4 } as never,
};

function pod(name: string, ready = true): V1Pod {
  return {
    metadata: { name, namespace: 'minio' },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

describe('quorumWithout', () => {
  it('holds when every other pod exists and is Ready', () => {
    const verdict = quorumWithout(
      minio,
      [pod('minio-0'), pod('minio-1'), pod('minio-2', false), pod('minio-3')],
      ['minio-2'],
    );

    expect(verdict).toEqual({
      kept: true,
      detail: 'the other 3 pod(s) of StatefulSet minio/minio are Ready: write quorum holds without minio-2',
      notReady: [],
      missing: 0,
    });
  });

  it('is lost when a replica has no pod', () => {
    const verdict = quorumWithout(minio, [pod('minio-0'), pod('minio-1'), pod('minio-2')], ['minio-2']);

    expect(verdict).toMatchObject({
      kept: false,
      detail: 'StatefulSet minio/minio would lose write quorum without minio-2: 1 replica(s) without a pod',
      missing: 1,
    });
  });

  it('is lost when another pod is not Ready', () => {
    const verdict = quorumWithout(
      minio,
      [pod('minio-0', false), pod('minio-1'), pod('minio-2'), pod('minio-3', false)],
      ['minio-2'],
    );

    expect(verdict).toMatchObject({ kept: false, notReady: ['minio-0', 'minio-3'] });
  });

  it('needs every pod Ready when none leaves at once (a rollout)', () => {
    expect(
      quorumWithout(minio, [pod('minio-0'), pod('minio-1'), pod('minio-2'), pod('minio-3')], []).kept,
    ).toBe(true);
    expect(
      quorumWithout(minio, [pod('minio-0'), pod('minio-1'), pod('minio-2', false), pod('minio-3')], []).kept,
    ).toBe(false);
  });
});
