import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../local/kube-sim/index.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { alertInactive } from '../../local/lakehouse/monitoring.ts';
import { crashLoopPrefectWorker } from '../../local/lakehouse/pod-faults.ts';
import {
  type RemediationLoop,
  startLakehouseRemediationLoop,
} from '../../local/lakehouse/remediation-loop.ts';
import { summarizeRemediation } from '../../local/lakehouse/remediation-outcome.ts';
import { loadWorkflows } from '../../local/runner/workflows.ts';

/**
 * Issue 4's end to end: a real Prometheus scrapes kube-sim with the rules from cluster-manifests, a
 * real Alertmanager delivers to the local ingress (the deployed Lambda handler), the alert bus
 * starts the synthesized remediate workflow, its playbook fixes kube-sim, the alert resolves, and
 * the audit trail shows the whole chain. global-setup.ts installs the binaries when missing.
 */
describe('alert-driven remediation, end to end', () => {
  let lakehouse: LocalLakehouse;
  let loop: RemediationLoop;

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse({ monitoring: true });
    const workflows = await loadWorkflows({
      environment: 'development',
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
    });
    loop = startLakehouseRemediationLoop(lakehouse, workflows);
  }, 240_000);
  afterAll(async () => {
    loop?.stop();
    await loop?.settled();
    await lakehouse?.stop();
  });

  it('fixes a crash-looping Prefect worker from the Prometheus alert, and the alert resolves', async () => {
    expect(lakehouse.capabilities.monitoring).toBe(true);
    const { namespace, workerSelector } = lakehouse.layout.prefect;
    const pod = await crashLoopPrefectWorker(lakehouse.kube, lakehouse.layout);
    const name = pod.metadata.name!;
    const deployment = pod.metadata.ownerReferences![0]!.name.replace(/-[^-]+$/, '');
    const remediation = await loop.waitFor(
      `PodCrashLooping of ${name}`,
      (event) => {
        const detail = event.detail as { alertname: string; status: string; labels: Record<string, string> };
        return (
          detail.alertname === 'PodCrashLooping' && detail.status === 'firing' && detail.labels.pod === name
        );
      },
      60_000,
    );

    // Delivered by the real Alertmanager through the webhook, not made up by the test.
    expect(remediation.event.detail).toMatchObject({
      source: 'alertmanager',
      receiver: 'lakehouse-ops',
      // Alertmanager names itself by the machine's host name, on its own port.
      externalURL: expect.stringMatching(
        new RegExp(`:${new URL(lakehouse.monitoring!.alertmanagerUrl).port}$`),
      ),
      generatorURL: expect.stringContaining('kube_pod_container_status_waiting_reason'),
    });
    const [execution] = remediation.executions;
    expect(summarizeRemediation(execution!)).toEqual({
      status: 'REMEDIATED',
      detail: 'delete-pod cleared the alert',
    });
    // The playbook fixed kube-sim: the pod is gone and its Deployment runs a healthy replacement.
    expect(lakehouse.kube.get('v1', 'Pod', name, namespace)).toBeUndefined();
    const replacements = lakehouse.kube
      .list<Pod>('v1', 'Pod', namespace, workerSelector)
      .filter(
        (candidate) =>
          candidate.metadata.name?.startsWith(`${deployment}-`) && candidate.metadata.name !== name,
      );
    expect(replacements.length).toBeGreaterThan(0);
    expect(
      await alertInactive(lakehouse.monitoring!.prometheus, 'PodCrashLooping', { pod: name }, 30_000),
    ).toBe(true);
    // The pod was the only replica its Deployment lacked: Alertmanager inhibited that alert while the
    // pod's fired, so no second remediation ran (rollout-restart, refused by the budget, escalated).
    const deploymentAlerts = loop.remediations
      .map((other) => other.event.detail as { alertname: string; labels: Record<string, string> })
      .filter(
        (alert) =>
          alert.alertname === 'DeploymentReplicasUnavailable' && alert.labels.deployment === deployment,
      );
    expect(deploymentAlerts).toEqual([]);

    const trail = await lakehouse.readAuditTrail(
      'remediate',
      `${lakehouse.clusterName}/${namespace}/Pod/${name}`,
    );
    expect(trail.map((record) => [record.action, record.decision])).toEqual([
      ['0-delete-pod-preflight', 'ALLOWED'],
      ['0-delete-pod-act', 'CHANGED'],
      ['0-delete-pod-verify', 'CLEARED'],
      ['outcome', 'REMEDIATED'],
    ]);
    expect(trail.find((record) => record.action === '0-delete-pod-act')?.before).toMatchObject({
      kind: 'Pod',
      name,
      ready: false,
    });
    // The alert was silenced in the real Alertmanager while remediating, and the silence expired.
    const silences = (await (
      await fetch(`${lakehouse.monitoring!.alertmanagerUrl}/api/v2/silences`)
    ).json()) as {
      status: { state: string };
      matchers: { name: string; value: string }[];
    }[];
    const ours = silences.filter((silence) =>
      silence.matchers.some((m) => m.name === 'pod' && m.value === name),
    );
    expect(ours.map((silence) => silence.status.state)).toEqual(['expired']);
  }, 120_000);
});
