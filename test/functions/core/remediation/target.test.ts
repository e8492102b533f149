import { describe, expect, it } from 'vitest';
import { targetKey, targetOfAlert } from '../../../../functions/core/remediation/target.ts';

describe('targetOfAlert', () => {
  it('takes the most specific object the labels name', () => {
    const target = targetOfAlert(
      { alertname: 'PodCrashLooping', namespace: 'prefect', pod: 'prefect-worker-1', node: '' },
      'lakehouse-dev',
    );
    expect(target).toEqual({
      cluster: 'lakehouse-dev',
      namespace: 'prefect',
      kind: 'Pod',
      name: 'prefect-worker-1',
    });
    expect(targetKey(target)).toBe('lakehouse-dev/prefect/Pod/prefect-worker-1');
  });

  it('treats nodes and node groups as cluster-scoped', () => {
    const target = targetOfAlert({ alertname: 'NodeNotReady', node: 'ip-10-0-1-1', namespace: 'x' }, 'c');
    expect(target).toEqual({ cluster: 'c', kind: 'Node', name: 'ip-10-0-1-1' });
    expect(targetKey(target)).toBe('c/_cluster/Node/ip-10-0-1-1');
  });

  it('reads workload and workload_kind, a Deployment when the kind is absent', () => {
    expect(
      targetOfAlert({ namespace: 'minio', workload: 'minio', workload_kind: 'StatefulSet' }, 'c'),
    ).toMatchObject({ kind: 'StatefulSet', name: 'minio' });
    expect(targetOfAlert({ namespace: 'prefect', workload: 'prefect-server' }, 'c')).toMatchObject({
      kind: 'Deployment',
    });
  });

  it('refuses an alert that names no target, or a namespaced one without its namespace', () => {
    expect(() => targetOfAlert({ alertname: 'Watchdog' }, 'c')).toThrow(
      /Watchdog names no target: expected one of the labels node, /,
    );
    expect(() => targetOfAlert({ alertname: 'PodCrashLooping', pod: 'p' }, 'c')).toThrow(
      /no namespace label/,
    );
    expect(() => targetOfAlert({ namespace: 'n', workload: 'w', workload_kind: 'DaemonSet' }, 'c')).toThrow(
      /expected Deployment or StatefulSet/,
    );
  });
});
