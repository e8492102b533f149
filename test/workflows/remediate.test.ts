import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredAuditRecord } from '../../functions/core/audit/audit-trail.ts';
import type { RecordedEvent } from '../../local/aws-sim/events.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { crashLoopPrefectWorker } from '../../local/lakehouse/pod-faults.ts';
import { pacedWaits } from '../../local/lakehouse/remediation-loop.ts';
import { summarizeRemediation } from '../../local/lakehouse/remediation-outcome.ts';
import type { ExecutionResult } from '../../local/runner/execution-result.ts';
import { type LocalWorkflows, loadWorkflows } from '../../local/runner/workflows.ts';
import { ALERTMANAGER, ensureSystemBinaries, PROMETHEUS } from '../../local/system/debian-packages.ts';

// The synthesized remediate state machine, run by the local runner against a local lakehouse with a
// real Prometheus and Alertmanager (silences, verification): the same ASL and handlers as in AWS.
const WORKFLOW = 'remediate';
const ALWAYS_OPEN = JSON.stringify([
  { days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], start: '00:00', end: '00:00', timeZone: 'UTC' },
]);

/** An EventBridge event of the alert bus, as the rule hands it to remediate. */
function alertEvent(detail: Record<string, unknown>): Record<string, unknown> {
  const alertname = String(detail.alertname);
  const labels = { alertname, severity: 'warning', ...(detail.labels as Record<string, string>) };
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Prometheus Alert',
    source: 'lakehouse-ops.alerts',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-central-1',
    resources: [],
    detail: {
      severity: 'warning',
      status: 'firing',
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      annotations: {},
      generatorURL: '',
      receiver: 'lakehouse-ops',
      externalURL: 'http://127.0.0.1:9093',
      groupKey: `{}:{alertname="${alertname}"}`,
      source: 'alertmanager',
      receivedAt: new Date().toISOString(),
      fingerprint: crypto.randomUUID().replaceAll('-', '').slice(0, 16),
      ...detail,
      labels,
    },
  };
}

async function startLakehouseWithMonitoring(): Promise<LocalLakehouse> {
  ensureSystemBinaries([PROMETHEUS, ALERTMANAGER]);
  const lakehouse = await startLocalLakehouse({ monitoring: true });
  expect(lakehouse.capabilities.monitoring).toBe(true);
  return lakehouse;
}

const byExecution = (trail: readonly StoredAuditRecord[], executionId: string | undefined) =>
  trail.filter((record) => record.executionId === executionId);

describe('remediate workflow', () => {
  let lakehouse: LocalLakehouse;
  beforeAll(async () => {
    lakehouse = await startLakehouseWithMonitoring();
  }, 120_000);
  afterAll(() => lakehouse?.stop());
  afterEach(() => vi.unstubAllEnvs());

  const loadStack = (environment: string) =>
    loadWorkflows({ environment, localEnvironment: lakehouse.environment, taskTokens: lakehouse.taskTokens });
  const deploymentAlert = (deployment: string) =>
    alertEvent({
      alertname: 'DeploymentReplicasUnavailable',
      labels: { namespace: lakehouse.layout.prefect.namespace, deployment },
    });

  // Staging's tiers: disruptive playbooks (rollout-restart) are approve-first there. First, because
  // the breaker test below opens rollout-restart's breaker in the shared ops table.
  describe('approve-first (staging)', () => {
    let workflows: LocalWorkflows;
    beforeAll(async () => {
      workflows = await loadStack('staging');
    }, 240_000);

    it('waits for an operator, acts once approved through the link, and records the approver', async () => {
      // Staging's change window is weekday office hours; the test may run at any hour.
      vi.stubEnv('REMEDIATION_CHANGE_WINDOWS', ALWAYS_OPEN);
      const server = lakehouse.layout.prefect.serverDeployment;
      const before = lakehouse.published.length;
      const parked = new Promise<string>((resolve) => {
        const forget = lakehouse.taskTokens.onParked((task) => {
          forget();
          resolve(task.executionName);
        });
      });

      const running = workflows.runWorkflow(WORKFLOW, deploymentAlert(server));
      const executionName = await parked;
      const link = await approveLink(lakehouse, before);
      const form = new URLSearchParams([...new URL(link).searchParams, ['approver', 'oncall@example.com']]);
      expect((await fetch(link, { method: 'POST', body: form })).status).toBe(200);
      const result = await running;

      expect(summarizeRemediation(result).status, result.cause).toBe('REMEDIATED');
      const target = `${lakehouse.clusterName}/${lakehouse.layout.prefect.namespace}/Deployment/${server}`;
      const trail = byExecution(await lakehouse.readAuditTrail(WORKFLOW, target), executionName);
      expect(trail.find((record) => record.action === '0-rollout-restart-approval')).toMatchObject({
        decision: 'APPROVED',
        actor: 'oncall@example.com',
      });
      expect(trail.find((record) => record.action === '0-rollout-restart-act')?.decision).toBe('CHANGED');
      const deployment = lakehouse.kube.get(
        'apps/v1',
        'Deployment',
        server,
        lakehouse.layout.prefect.namespace,
      );
      expect(JSON.stringify(deployment)).toContain('kubectl.kubernetes.io/restartedAt');
    }, 120_000);
  });

  describe('automatic (development)', () => {
    let workflows: LocalWorkflows;
    beforeAll(async () => {
      workflows = await loadStack('development');
    }, 240_000);

    it('never lets two alerts on one target act at once: the second waits, then escalates TARGET_BUSY', async () => {
      const { namespace } = lakehouse.layout.prefect;
      const name = (await crashLoopPrefectWorker(lakehouse.kube, lakehouse.layout)).metadata.name!;
      // The real alert, as Prometheus fired it and the ingress published it; the second one is the
      // same alert firing again (new startsAt, new fingerprint) while the first is being handled.
      const real = await firedAlert(lakehouse, 'PodCrashLooping', name);
      const again = {
        ...real,
        id: crypto.randomUUID(),
        detail: { ...real.detail, fingerprint: 'f'.repeat(16), startsAt: new Date().toISOString() },
      };
      const deletesBefore = podDeletes(lakehouse, name);
      // Verification waits a scrape between looks, as the deployed Wait does: the first run holds
      // the lease for at least that long.
      const paced = pacedWaits(workflows, [WORKFLOW], 1000);

      const results = await Promise.all([
        workflows.runWorkflow(WORKFLOW, withoutBus(real), paced),
        workflows.runWorkflow(WORKFLOW, withoutBus(again), paced),
      ]);

      const statuses = results.map((result) => summarizeRemediation(result).status).sort();
      expect(statuses).toEqual(['ESCALATED', 'REMEDIATED']);
      const busy = results.find((result) => summarizeRemediation(result).status === 'ESCALATED')!;
      expect(busy.cause).toMatch(/^another remediation holds .*\/Pod\//);
      expect(leaseAttempts(busy)).toBeGreaterThan(1);
      const trail = await lakehouse.readAuditTrail(
        WORKFLOW,
        `${lakehouse.clusterName}/${namespace}/Pod/${name}`,
      );
      expect(trail.filter((record) => record.action === '0-delete-pod-act').map((r) => r.decision)).toEqual([
        'CHANGED',
      ]);
      expect(trail.filter((record) => record.action === 'lease').map((r) => r.decision)).toEqual([
        'TARGET_BUSY',
      ]);
      expect(podDeletes(lakehouse, name) - deletesBefore).toBe(1);
    }, 120_000);

    it('opens the breaker of a playbook that keeps failing, then escalates without acting', async () => {
      const worker = lakehouse.kube.list(
        'apps/v1',
        'Deployment',
        lakehouse.layout.prefect.namespace,
        lakehouse.layout.prefect.workerSelector,
      )[0]!.metadata.name!;
      const broken = lakehouse.kube.faults.inject({
        method: 'PATCH',
        pathPattern: /\/deployments\//,
        status: 500,
        times: Number.POSITIVE_INFINITY,
        message: 'etcdserver: request timed out',
      });
      let results: ExecutionResult[];
      try {
        results = [];
        for (let run = 0; run < 4; run += 1)
          results.push(await workflows.runWorkflow(WORKFLOW, deploymentAlert(worker)));
      } finally {
        lakehouse.kube.faults.remove(broken);
      }

      const acted = (result: ExecutionResult) =>
        result.timeline.some((entry) => entry.state === 'RunRolloutRestart');
      expect(results.slice(0, 3).every(acted)).toBe(true);
      for (const result of results.slice(0, 3))
        expect(result.cause).toBe('no playbook of the chain cleared the alert');
      expect(acted(results[3]!)).toBe(false);
      expect(results[3]).toMatchObject({ status: 'FAILED', error: 'RemediationEscalated' });
      expect(results[3]!.cause).toMatch(/breaker/i);
      const target = `${lakehouse.clusterName}/${lakehouse.layout.prefect.namespace}/Deployment/${worker}`;
      const trail = await lakehouse.readAuditTrail(WORKFLOW, target);
      expect(
        trail.filter((record) => record.action === '0-rollout-restart-act').map((r) => r.decision),
      ).toEqual(['FAILED', 'FAILED', 'FAILED']);
      expect(
        trail.filter((record) => record.action === '0-rollout-restart-limits').map((r) => r.decision),
      ).toEqual(['REFUSED']);
    }, 120_000);
  });
});

/** The published alert event about `pod`, once Prometheus fired it and Alertmanager delivered it. */
async function firedAlert(lakehouse: LocalLakehouse, alertname: string, pod: string): Promise<RecordedEvent> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const event = lakehouse.awsSim.events.recorded.find((candidate) => {
      const detail = candidate.detail as {
        alertname?: string;
        status?: string;
        labels?: Record<string, string>;
      };
      return detail.alertname === alertname && detail.status === 'firing' && detail.labels?.pod === pod;
    });
    if (event) return event;
    if (Date.now() > deadline) throw new Error(`${alertname} about ${pod} was never delivered`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** EventBridge hands targets the event without the bus it came from. */
function withoutBus(event: RecordedEvent): Omit<RecordedEvent, 'eventBusName'> {
  const { eventBusName: _bus, ...delivered } = event;
  return delivered;
}

function podDeletes(lakehouse: LocalLakehouse, pod: string): number {
  return lakehouse.kube.audit.filter(
    (record) => record.method === 'DELETE' && record.path.endsWith(`/pods/${pod}`) && record.code < 300,
  ).length;
}

function leaseAttempts(result: ExecutionResult): number {
  const entry = result.timeline.find((candidate) => candidate.state === 'AcquireTargetLease');
  return (entry?.retries ?? 0) + 1;
}

/** The approve link of the approval request published after `before` notifications. */
async function approveLink(lakehouse: LocalLakehouse, before: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const notification of lakehouse.published.slice(before)) {
      const link = /^Approve: +(\S+)$/m.exec(notification.message)?.[1];
      if (link) return link;
    }
    if (Date.now() > deadline) throw new Error('no approval request was published');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
