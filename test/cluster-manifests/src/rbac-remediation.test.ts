import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { buildEnvironment } from '../../../cluster-manifests/src/generate.ts';
import { lakehouseNamespaces } from '../../../cluster-manifests/src/namespaces.ts';
import { FUNCTION_GROUPS, playbookGroup } from '../../../cluster-manifests/src/rbac.ts';
import type { PlaybookName } from '../../../functions/core/remediation/playbooks/catalogue.ts';
import { cordonDrainNode } from '../../../functions/core/remediation/playbooks/cordon-drain-node.ts';
import { deletePod } from '../../../functions/core/remediation/playbooks/delete-pod.ts';
import { escalationContext } from '../../../functions/core/remediation/playbooks/escalation-context.ts';
import { expandMinioPvc } from '../../../functions/core/remediation/playbooks/expand-minio-pvc.ts';
import type { NodeGroups } from '../../../functions/core/remediation/playbooks/node-groups.ts';
import type { PlaybookResult } from '../../../functions/core/remediation/playbooks/playbook.ts';
import { raiseMemoryLimit } from '../../../functions/core/remediation/playbooks/raise-memory-limit.ts';
import { restartMinioPod } from '../../../functions/core/remediation/playbooks/restart-minio-pod.ts';
import { rolloutRestart } from '../../../functions/core/remediation/playbooks/rollout-restart.ts';
import { scaleNodeGroup } from '../../../functions/core/remediation/playbooks/scale-node-group.ts';
import { scalePrefectWorkers } from '../../../functions/core/remediation/playbooks/scale-prefect-workers.ts';
import { preflight } from '../../../functions/core/remediation/preflight.ts';
import type { Target } from '../../../functions/core/remediation/target.ts';
import type { KubeObject } from '../../../local/kube-sim/index.ts';
import {
  breakPod,
  playbookEvent,
  podsOf,
  seedDeployment,
  seedStatefulSet,
} from '../../functions/core/remediation/playbooks/kube-sim-cluster.ts';
import { type RbacCluster, startRbacCluster } from '../support/rbac-cluster.ts';

/**
 * Each remediation playbook acts as its own Kubernetes group (issue 4: "each a Lambda action with
 * its own least-privilege Kubernetes RBAC"), and the remediate workflow's preflight and escalation
 * read as `lakehouse-ops:remediation`. Here every one of them runs its real calls against the
 * production manifests' RBAC in kube-sim: none may be refused, and every grant must be used.
 * A Deployment `rbac-web` and a StatefulSet `rbac-db` in each lakehouse namespace give the workload
 * playbooks something to act on everywhere they are allowed to.
 */
const environment = loadClusterEnvironment('production');
const manifests = buildEnvironment('production').files.flatMap((file) => file.documents);
const namespaces = lakehouseNamespaces(environment);
const { minio, prefect } = environment.layout;
const GIB = 2 ** 30;

describe('rbac of remediation', () => {
  let cluster: RbacCluster;
  beforeAll(async () => {
    cluster = await startRbacCluster(environment, manifests);
    for (const namespace of namespaces) {
      seedDeployment(cluster.sim, 'rbac-web', namespace, 1);
      seedStatefulSet(cluster.sim, 'rbac-db', namespace, 1, (set) => {
        const [container] = set.spec?.template.spec?.containers ?? [];
        if (container) {
          container.name = 'main';
          container.resources = { requests: { memory: '128Mi' }, limits: { memory: '256Mi' } };
        }
      });
    }
    await cluster.sim.settle();
  }, 120_000);
  afterAll(() => cluster?.sim.stop());

  const target = (kind: Target['kind'], name: string, namespace?: string): Target => ({
    cluster: environment.clusterName,
    kind,
    name,
    ...(namespace ? { namespace } : {}),
  });
  const podOf = (namespace: string, app: string): V1Pod => {
    const pod = podsOf(cluster.sim, namespace, `app=${app}`)[0];
    if (!pod) throw new Error(`no pod of ${app} in ${namespace}`);
    return pod;
  };
  const podTarget = (namespace: string, app: string) =>
    target('Pod', podOf(namespace, app).metadata?.name ?? '', namespace);
  const playbookAs = (playbook: PlaybookName) => ({
    kubernetes: cluster.kubernetesAs(playbookGroup(playbook)),
    clusterName: environment.clusterName,
  });
  const outcomes = (results: PlaybookResult[]) =>
    results.map((result) => `${result.outcome}: ${result.detail}`);
  const expectExactly = (group: string, from: number) => {
    expect(cluster.denialsOf(group, from)).toEqual([]);
    expect(cluster.unusedGrantsOf(group)).toEqual([]);
  };

  it('lets rollout-restart restart a Deployment and a StatefulSet in every lakehouse namespace, and no more', async () => {
    const group = playbookGroup('rollout-restart');
    const from = cluster.sim.rbac.decisions.length;
    for (const namespace of namespaces) {
      const results = [
        await rolloutRestart(playbookEvent(podTarget(namespace, 'rbac-web')), playbookAs('rollout-restart')),
        await rolloutRestart(playbookEvent(podTarget(namespace, 'rbac-db')), playbookAs('rollout-restart')),
        // A pod that is gone is matched by name against the StatefulSets and ReplicaSets.
        await rolloutRestart(
          playbookEvent(target('Pod', 'rbac-gone-7f9c4', namespace)),
          playbookAs('rollout-restart'),
        ),
      ];
      expect(results.map((result) => result.outcome)).toEqual(['CHANGED', 'CHANGED', 'REFUSED']);
    }
    expectExactly(group, from);
  });

  it('lets raise-memory-limit find the OOM-killed container and raise its limit, and no more', async () => {
    const group = playbookGroup('raise-memory-limit');
    const from = cluster.sim.rbac.decisions.length;
    const params = { maxBytes: 16 * GIB };
    for (const namespace of namespaces) {
      const results = [
        // No container label: it reads the set's pods for an OOM-killed container, and finds none.
        await raiseMemoryLimit(
          playbookEvent(target('StatefulSet', 'rbac-db', namespace), { params }),
          playbookAs('raise-memory-limit'),
        ),
        await raiseMemoryLimit(
          playbookEvent(podTarget(namespace, 'rbac-db'), { params, labels: { container: 'main' } }),
          playbookAs('raise-memory-limit'),
        ),
        await raiseMemoryLimit(
          playbookEvent(podTarget(namespace, 'rbac-web'), { params, labels: { container: 'main' } }),
          playbookAs('raise-memory-limit'),
        ),
        await raiseMemoryLimit(
          playbookEvent(target('Pod', 'rbac-gone-7f9c4', namespace), { params }),
          playbookAs('raise-memory-limit'),
        ),
      ];
      expect(
        results.map((result) => result.outcome),
        outcomes(results).join('\n'),
      ).toEqual(['REFUSED', 'CHANGED', 'CHANGED', 'REFUSED']);
    }
    expectExactly(group, from);
  });

  it('lets delete-pod delete a crash-looping pod in every lakehouse namespace, and no more', async () => {
    const group = playbookGroup('delete-pod');
    const from = cluster.sim.rbac.decisions.length;
    await cluster.sim.settle(); // the earlier restarts roll out first
    for (const namespace of namespaces) {
      await breakPod(cluster.sim, podOf(namespace, 'rbac-web'), 'crash-loop', 3);
      const result = await deletePod(
        playbookEvent(podTarget(namespace, 'rbac-web')),
        playbookAs('delete-pod'),
      );
      expect(`${result.outcome}: ${result.detail}`).toMatch(/^CHANGED: deleted pod/);
    }
    expectExactly(group, from);
  });

  it('lets scale-node-group read the unschedulable pod in every lakehouse namespace, and nothing in the cluster', async () => {
    const group = playbookGroup('scale-node-group');
    const from = cluster.sim.rbac.decisions.length;
    const nodeGroups: NodeGroups = {
      names: async () => [],
      find: async () => undefined,
      setDesiredSize: async () => undefined,
    };
    await cluster.sim.settle(); // delete-pod's pods come back
    for (const namespace of namespaces) {
      const result = await scaleNodeGroup(playbookEvent(podTarget(namespace, 'rbac-web')), {
        ...playbookAs('scale-node-group'),
        nodeGroups,
      });
      expect(result.detail).toMatch(/is scheduled now/);
    }
    expectExactly(group, from);
  });

  it("lets scale-prefect-workers scale Prefect's worker Deployments, and nothing else", async () => {
    const group = playbookGroup('scale-prefect-workers');
    const from = cluster.sim.rbac.decisions.length;
    const [worker] = cluster.sim.list('apps/v1', 'Deployment', prefect.namespace, prefect.workerSelector);
    if (!worker) throw new Error(`no Prefect worker Deployment (${prefect.workerSelector})`);
    const result = await scalePrefectWorkers(
      playbookEvent(target('Deployment', worker.metadata.name ?? '', prefect.namespace), {
        params: { max: 20 },
      }),
      playbookAs('scale-prefect-workers'),
    );
    expect(result.outcome).toBe('CHANGED');
    expectExactly(group, from);
  });

  it('lets restart-minio-pod restart one MinIO pod after its quorum check, and nothing else', async () => {
    const group = playbookGroup('restart-minio-pod');
    const from = cluster.sim.rbac.decisions.length;
    const [minioSet] = cluster.sim
      .list('apps/v1', 'StatefulSet', minio.namespace)
      .filter((set) => set.metadata.name !== 'rbac-db');
    if (!minioSet) throw new Error('the MinIO StatefulSet was not applied');
    const result = await restartMinioPod(
      playbookEvent(target('Pod', `${minioSet.metadata.name}-0`, minio.namespace)),
      playbookAs('restart-minio-pod'),
    );
    expect(`${result.outcome}: ${result.detail}`).toMatch(/^CHANGED: restarted MinIO pod/);
    expectExactly(group, from);
  });

  it('lets expand-minio-pvc grow a MinIO claim after reading its StorageClass, and nothing else', async () => {
    const group = playbookGroup('expand-minio-pvc');
    const from = cluster.sim.rbac.decisions.length;
    const claim = minioClaim();
    const result = await expandMinioPvc(
      playbookEvent(target('PersistentVolumeClaim', claim.metadata.name ?? '', minio.namespace), {
        params: { maxBytes: 64 * 1024 * GIB },
      }),
      playbookAs('expand-minio-pvc'),
    );
    expect(`${result.outcome}: ${result.detail}`).toMatch(/^CHANGED/);
    expectExactly(group, from);
  });

  it('lets cordon-drain-node cordon and drain a node through evictions, and name the budget that blocks one', async () => {
    const group = playbookGroup('cordon-drain-node');
    const from = cluster.sim.rbac.decisions.length;
    // Two storage nodes in a row: MinIO's budget lets the first node's MinIO pod go, not the second's.
    const storageNodes = cluster.sim
      .list('v1', 'Node')
      .filter((node) => node.metadata.labels?.['lakehouse-ops.io/pool'] === 'storage')
      .slice(0, 2);
    const results: PlaybookResult[] = [];
    for (const node of storageNodes) {
      // The evicted pod cannot come back on its cordoned node: the budget counts it missing.
      await cluster.sim.settle();
      results.push(
        await cordonDrainNode(
          playbookEvent(target('Node', node.metadata.name ?? ''), { params: { timeoutSeconds: 1 } }),
          {
            ...playbookAs('cordon-drain-node'),
            sleep: (milliseconds) =>
              new Promise((resolve) => setTimeout(resolve, Math.min(milliseconds, 50))),
          },
        ),
      );
    }
    expect(outcomes(results).join('\n')).toMatch(/blocked/);
    expectExactly(group, from);
  });

  it("lets the remediate workflow's preflight and escalation read what they judge and report, and write nothing", async () => {
    const group = FUNCTION_GROUPS.remediation;
    const from = cluster.sim.rbac.decisions.length;
    const kubernetes = cluster.kubernetesAs(group);
    const check = (checked: Target, playbook: PlaybookName) =>
      preflight(
        { target: checked, playbook },
        { kubernetes, clusterName: environment.clusterName, changeWindows: [], layout: environment.layout },
      );
    for (const namespace of namespaces) {
      const web = podTarget(namespace, 'rbac-web');
      await check(web, 'rollout-restart');
      await check(target('StatefulSet', 'rbac-db', namespace), 'rollout-restart');
      await check(target('Pod', 'rbac-gone-7f9c4', namespace), 'rollout-restart');
      cluster.sim.setPodLog(namespace, web.name, 'Traceback: boom\n');
      const context = await escalationContext(kubernetes, web);
      expect(context.logs.length).toBeGreaterThan(0);
    }
    await check(
      target('PersistentVolumeClaim', minioClaim().metadata.name ?? '', minio.namespace),
      'expand-minio-pvc',
    );
    await check(target('Pod', `${minioSetName()}-1`, minio.namespace), 'restart-minio-pod');
    const [node] = cluster.sim.list('v1', 'Node');
    const nodeName = node?.metadata.name ?? '';
    await check(target('Node', nodeName), 'cordon-drain-node');
    cluster.sim.apply({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'node-not-ready', namespace: 'default' },
      involvedObject: { kind: 'Node', name: nodeName },
      type: 'Warning',
      reason: 'NodeNotReady',
      message: 'Node is not ready',
      lastTimestamp: '2026-11-26T01:00:00Z',
    } as unknown as KubeObject);
    expect((await escalationContext(kubernetes, target('Node', nodeName))).events.length).toBeGreaterThan(0);
    expectExactly(group, from);
  });

  function minioClaim() {
    const claim = cluster.sim
      .list('v1', 'PersistentVolumeClaim', minio.namespace)
      .find((candidate) => candidate.metadata.name?.endsWith(`-${minioSetName()}-0`));
    if (!claim) throw new Error('MinIO has no PersistentVolumeClaim');
    return claim;
  }

  function minioSetName(): string {
    const [set] = cluster.sim
      .list('apps/v1', 'StatefulSet', minio.namespace)
      .filter((candidate) => candidate.metadata.name !== 'rbac-db');
    return set?.metadata.name ?? '';
  }
});
