import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  MEMORY_RAISED_AT_ANNOTATION,
  raiseMemoryLimit,
} from '../../../../../functions/core/remediation/playbooks/raise-memory-limit.ts';
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

const NOW = new Date('2026-11-26T01:05:00.000Z');
const GIB = 2 ** 30;

describe('raiseMemoryLimit', () => {
  const cluster = useKubeSimCluster();
  const web = targetIn('Deployment', 'web', 'prefect');
  const run = (event: Parameters<typeof raiseMemoryLimit>[0]) =>
    raiseMemoryLimit(event, { ...cluster.dependencies(), now: () => NOW });
  const storedWeb = () => stored<V1Deployment>(cluster.sim(), 'apps/v1', 'Deployment', 'web', 'prefect');
  const resources = () => storedWeb()?.spec?.template.spec?.containers[0]?.resources;

  it('raises the named container by the factor, records when, and rolls the pods', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1);
    const before = podsOf(cluster.sim(), 'prefect', 'app=web')[0]?.metadata?.name;

    const result = await run(
      playbookEvent(web, { params: { factor: 1.5, maxBytes: 16 * GIB }, labels: { container: 'main' } }),
    );

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      detail: 'raised Deployment prefect/web: container main memory limit 256Mi -> 384Mi',
      changes: [{ kind: 'Deployment', namespace: 'prefect', name: 'web' }],
      after: { containers: [{ name: 'main', limits: { memory: '384Mi' }, requests: { memory: '128Mi' } }] },
    });
    expect(resources()).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '384Mi' } });
    expect(storedWeb()?.metadata?.annotations?.[MEMORY_RAISED_AT_ANNOTATION]).toBe(NOW.toISOString());
    expect(podsOf(cluster.sim(), 'prefect', 'app=web')[0]?.metadata?.name).not.toBe(before);
  });

  it('finds the OOM-killed container from the pods, and raises an equal request with the limit', async () => {
    seedStatefulSet(cluster.sim(), 'db', 'prefect', 1, (object) => {
      object.spec!.template.spec!.containers[0]!.resources = {
        requests: { memory: '1Gi' },
        limits: { memory: '1Gi' },
      };
    });
    await breakPod(cluster.sim(), podsOf(cluster.sim(), 'prefect', 'app=db')[0]!, 'oom-killed', 1);

    const result = await run(
      playbookEvent(targetIn('StatefulSet', 'db', 'prefect'), { params: { maxBytes: 16 * GIB } }),
    );

    expect(result.changes.map((change) => change.change)).toEqual([
      'container db memory limit 1Gi -> 1280Mi (request 1Gi -> 1280Mi)',
    ]);
  });

  it('caps the new limit at maxBytes', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1);

    const result = await run(
      playbookEvent(web, { params: { factor: 4, maxBytes: 300 * 2 ** 20 }, labels: { container: 'main' } }),
    );

    expect(result.changes[0]?.change).toBe('container main memory limit 256Mi -> 300Mi');
  });

  it('changes nothing in a dry run', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1);

    const result = await run(
      playbookEvent(web, { params: { maxBytes: 16 * GIB }, labels: { container: 'main' }, dryRun: true }),
    );

    expect(result).toMatchObject({
      outcome: 'DRY_RUN',
      detail: 'would raise Deployment prefect/web: container main memory limit 256Mi -> 320Mi (dry run)',
    });
    expect(resources()?.limits).toEqual({ memory: '256Mi' });
    expect(storedWeb()?.metadata?.annotations?.[MEMORY_RAISED_AT_ANNOTATION]).toBeUndefined();
  });

  it('refuses a second raise within 24 hours', async () => {
    const earlier = new Date(NOW.getTime() - 23 * 3_600_000).toISOString();
    seedDeployment(cluster.sim(), 'web', 'prefect', 1, (object) => {
      object.metadata!.annotations = { [MEMORY_RAISED_AT_ANNOTATION]: earlier };
    });

    const result = await run(
      playbookEvent(web, { params: { maxBytes: 16 * GIB }, labels: { container: 'main' } }),
    );

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: `the memory of Deployment prefect/web was raised at ${earlier}, less than 24 h ago: a second OOM kill needs a person`,
    });
    expect(resources()?.limits).toEqual({ memory: '256Mi' });
  });

  it('raises again once 24 hours have passed', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1, (object) => {
      object.metadata!.annotations = {
        [MEMORY_RAISED_AT_ANNOTATION]: new Date(NOW.getTime() - 25 * 3_600_000).toISOString(),
      };
    });

    const result = await run(
      playbookEvent(web, { params: { maxBytes: 16 * GIB }, labels: { container: 'main' } }),
    );

    expect(result.outcome).toBe('CHANGED');
  });

  it.each([
    [
      { maxBytes: 256 * 2 ** 20 },
      { container: 'main' },
      "container main's memory limit 256Mi is at the cap 256Mi",
    ],
    [{ maxBytes: GIB }, { container: 'sidecar' }, 'the pod template has no container sidecar'],
    [{ maxBytes: GIB }, {}, 'no container of Deployment prefect/web was OOM-killed'],
  ])('refuses with %o and labels %o: %s', async (params, labels, detail) => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1);

    const result = await run(playbookEvent(web, { params, labels }));

    expect(result.outcome).toBe('REFUSED');
    expect(result.detail).toContain(detail);
  });
});
