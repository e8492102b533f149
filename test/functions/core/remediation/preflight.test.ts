import { describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import type { ChangeWindow } from '../../../../functions/core/remediation/change-window.ts';
import type { PlaybookName } from '../../../../functions/core/remediation/playbooks/catalogue.ts';
import type { NodeGroups } from '../../../../functions/core/remediation/playbooks/node-groups.ts';
import {
  DO_NOT_DISRUPT_ANNOTATION,
  parseChangeWindows,
  preflight,
} from '../../../../functions/core/remediation/preflight.ts';
import type { Target } from '../../../../functions/core/remediation/target.ts';
import {
  breakPod,
  podsOf,
  seedBudget,
  seedDeployment,
  seedStatefulSet,
  targetIn,
  useKubeSimCluster,
} from './playbooks/kube-sim-cluster.ts';

/** Thursday 26 November 2026, 10:00 UTC. */
const THURSDAY_MORNING = new Date('2026-11-26T10:00:00Z');
const OFFICE_HOURS: ChangeWindow = {
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  start: '08:00',
  end: '18:00',
  timeZone: 'UTC',
};

describe('preflight', () => {
  const cluster = useKubeSimCluster();
  const check = async (
    target: Target,
    playbook: PlaybookName,
    options: { windows?: ChangeWindow[]; now?: Date; nodeGroups?: NodeGroups } = {},
  ) =>
    preflight(
      { target, playbook },
      {
        ...cluster.dependencies(),
        changeWindows: options.windows ?? [OFFICE_HOURS],
        layout: defaultPlatformLayout,
        now: () => options.now ?? THURSDAY_MORNING,
        ...(options.nodeGroups ? { nodeGroups: options.nodeGroups } : {}),
      },
    );
  const failed = (result: Awaited<ReturnType<typeof preflight>>) =>
    result.checks.filter((entry) => !entry.passed).map((entry) => [entry.name, entry.detail]);

  it('allows a rollout restart inside a change window and reports every check with the state before', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 2);

    const result = await check(targetIn('Deployment', 'web', 'prefect'), 'rollout-restart');

    expect(result).toMatchObject({
      allowed: true,
      before: { kind: 'Deployment', namespace: 'prefect', name: 'web', replicas: 2 },
    });
    expect(result.checks).toEqual([
      { name: 'target-exists', passed: true, detail: 'Deployment prefect/web exists' },
      { name: 'target-kind', passed: true, detail: 'rollout-restart acts on Deployment targets' },
      { name: 'disruption-budgets', passed: true, detail: 'the budgets allow the 2 pod(s) to go' },
      { name: 'do-not-disrupt', passed: true, detail: `no ${DO_NOT_DISRUPT_ANNOTATION} annotation` },
      {
        name: 'change-window',
        passed: true,
        detail: '2026-11-26T10:00:00.000Z is inside Mon,Tue,Wed,Thu,Fri 08:00-18:00 UTC',
      },
      { name: 'minio-write-quorum', passed: true, detail: 'no MinIO pod would go' },
    ]);
  });

  it('refuses a target that does not exist', async () => {
    const result = await check(targetIn('Pod', 'gone', 'prefect'), 'delete-pod');

    expect(result).toEqual({
      allowed: false,
      decision: 'REFUSED',
      checks: [
        { name: 'target-exists', passed: false, detail: 'Pod prefect/gone does not exist' },
        { name: 'target-kind', passed: true, detail: 'delete-pod acts on Pod targets' },
      ],
      before: {},
    });
  });

  it('refuses a playbook on a kind it does not act on', async () => {
    const result = await check(targetIn('Node', 'node-a'), 'delete-pod');

    expect(failed(result)).toEqual([['target-kind', 'delete-pod acts on Pod targets, not on a Node']]);
  });

  it('refuses when a PodDisruptionBudget allows no disruption, naming it', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 2);
    seedBudget(cluster.sim(), 'prefect', 'web', { minAvailable: 2 });

    const result = await check(targetIn('Deployment', 'web', 'prefect'), 'rollout-restart');

    expect(result.allowed).toBe(false);
    expect(failed(result)).toEqual([
      [
        'disruption-budgets',
        expect.stringMatching(
          /^PodDisruptionBudget prefect\/web \(0 disruptions allowed, 2 healthy of 2 needed\) blocks pod prefect\/web-.*; .* blocks pod prefect\/web-/,
        ),
      ],
    ]);
  });

  it('does not charge a budget for a pod that is not Ready, so one MinIO pod can be restarted', async () => {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 4);
    seedBudget(cluster.sim(), 'minio', 'minio', { maxUnavailable: 1 });
    await breakPod(cluster.sim(), podsOf(cluster.sim(), 'minio', 'app=minio')[2]!, 'not-ready');

    const result = await check(targetIn('Pod', 'minio-2', 'minio'), 'restart-minio-pod');

    expect(failed(result)).toEqual([]);
    expect(result.checks.find((entry) => entry.name === 'minio-write-quorum')?.detail).toBe(
      'the other 3 pod(s) of StatefulSet minio/minio are Ready: write quorum holds without minio-2',
    );
  });

  it('refuses to take a MinIO pod when another one is not Ready', async () => {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 4);
    for (const pod of podsOf(cluster.sim(), 'minio', 'app=minio').slice(1, 3)) {
      await breakPod(cluster.sim(), pod, 'not-ready');
    }

    const result = await check(targetIn('Pod', 'minio-2', 'minio'), 'restart-minio-pod');

    expect(failed(result)).toContainEqual([
      'minio-write-quorum',
      'StatefulSet minio/minio would lose write quorum without minio-2: minio-1 not Ready',
    ]);
  });

  it('refuses to drain a node whose MinIO pod would leave a set that is already short', async () => {
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 3);
    const pods = podsOf(cluster.sim(), 'minio', 'app=minio');
    const onNode = pods[0]!;
    await breakPod(
      cluster.sim(),
      pods.find((pod) => pod.spec?.nodeName !== onNode.spec?.nodeName)!,
      'not-ready',
    );

    const result = await check(targetIn('Node', onNode.spec?.nodeName ?? ''), 'cordon-drain-node');

    expect(failed(result).map(([name]) => name)).toEqual(['minio-write-quorum']);
  });

  it.each([
    ['the pod template', 'Deployment', 'the pod template of Deployment prefect/web'],
    ['the pod', 'Pod', 'pod prefect/'],
  ])('refuses a pod-replacing playbook when %s says do-not-disrupt', async (_where, kind, named) => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1, (object) => {
      object.spec!.template.metadata!.annotations = { [DO_NOT_DISRUPT_ANNOTATION]: 'true' };
    });
    const pod = podsOf(cluster.sim(), 'prefect', 'app=web')[0]!;
    const target =
      kind === 'Pod'
        ? targetIn('Pod', pod.metadata?.name ?? '', 'prefect')
        : targetIn('Deployment', 'web', 'prefect');

    const result = await check(target, 'rollout-restart');

    expect(failed(result)).toEqual([['do-not-disrupt', expect.stringContaining(named)]]);
  });

  it('refuses to drain a node that says do-not-disrupt', async () => {
    const node = cluster.sim().get('v1', 'Node', 'node-b')!;
    cluster.sim().apply({
      ...node,
      metadata: { ...node.metadata, annotations: { [DO_NOT_DISRUPT_ANNOTATION]: 'true' } },
    });

    const result = await check(targetIn('Node', 'node-b'), 'cordon-drain-node');

    expect(failed(result)).toEqual([
      ['do-not-disrupt', `${DO_NOT_DISRUPT_ANNOTATION}: "true" on node node-b`],
    ]);
  });

  it('ignores do-not-disrupt for a playbook that replaces no pod', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 1, (object) => {
      object.spec!.template.metadata!.annotations = { [DO_NOT_DISRUPT_ANNOTATION]: 'true' };
    });

    const result = await check(targetIn('Deployment', 'prefect-worker', 'prefect'), 'scale-prefect-workers');

    expect(result.allowed).toBe(true);
  });

  it('refuses disruptive playbooks outside every change window, and when none is configured', async () => {
    seedDeployment(cluster.sim(), 'web', 'prefect', 1);
    const web = targetIn('Deployment', 'web', 'prefect');

    const evening = await check(web, 'rollout-restart', { now: new Date('2026-11-26T19:00:00Z') });
    const never = await check(web, 'rollout-restart', { windows: [] });
    const notDisruptive = await check(web, 'scale-prefect-workers', { windows: [] });

    expect(failed(evening)).toEqual([
      [
        'change-window',
        '2026-11-26T19:00:00.000Z is outside every change window (Mon,Tue,Wed,Thu,Fri 08:00-18:00 UTC)',
      ],
    ]);
    expect(failed(never)).toEqual([
      ['change-window', 'no change window is configured, so disruptive playbooks never act on their own'],
    ]);
    expect(notDisruptive.allowed).toBe(true);
  });

  it('reads a NodeGroup target through the EKS port', async () => {
    const nodeGroups: NodeGroups = {
      names: async () => ['system'],
      find: async (name) =>
        name === 'system'
          ? { name, status: 'ACTIVE', minSize: 1, maxSize: 4, desiredSize: 2, labels: {}, taints: [] }
          : undefined,
      setDesiredSize: async () => {
        throw new Error('preflight never scales');
      },
    };

    const result = await check(targetIn('NodeGroup', 'system'), 'scale-node-group', { nodeGroups });

    expect(result).toMatchObject({
      allowed: true,
      before: { kind: 'NodeGroup', name: 'system', desiredSize: 2, maxSize: 4 },
    });
  });

  it('fails on a target in another cluster', async () => {
    await expect(
      check({ ...targetIn('Node', 'node-a'), cluster: 'other' }, 'cordon-drain-node'),
    ).rejects.toThrow(/^preflight: the target other\/_cluster\/Node\/node-a is in cluster other/);
  });
});

describe('parseChangeWindows', () => {
  it('reads the configured windows', () => {
    expect(parseChangeWindows(JSON.stringify([OFFICE_HOURS]))).toEqual([OFFICE_HOURS]);
    expect(parseChangeWindows('[]')).toEqual([]);
  });

  it('names what is wrong with a broken variable', () => {
    expect(() => parseChangeWindows('{')).toThrow(/^REMEDIATION_CHANGE_WINDOWS is not valid JSON: /);
    expect(() =>
      parseChangeWindows('[{"days":["Mon"],"start":"8:00","end":"18:00","timeZone":"UTC"}]'),
    ).toThrow(/^REMEDIATION_CHANGE_WINDOWS is not a list of change windows: .*start.*HH:MM/);
  });
});
