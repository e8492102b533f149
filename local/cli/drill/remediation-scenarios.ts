import type { StoredAuditRecord } from '../../../functions/core/audit/audit-trail.ts';
import type { KubeObject, Node, Pod } from '../../kube-sim/index.ts';
import { alertFingerprint, type DeliveryResult, deliverAlerts } from '../../lakehouse/alert-delivery.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import { alertInactive } from '../../lakehouse/monitoring.ts';
import { crashLoopPrefectWorker } from '../../lakehouse/pod-faults.ts';
import {
  type DeliveredEvent,
  type Remediation,
  type RemediationLoop,
  startLakehouseRemediationLoop,
} from '../../lakehouse/remediation-loop.ts';
import { type RemediationSummary, summarizeRemediation } from '../../lakehouse/remediation-outcome.ts';
import { PLATFORM_IMAGES } from '../../lakehouse/seed/platform-objects.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import type { LocalWorkflows } from '../../runner/workflows.ts';
import type { DrillFixture, DrillRunContext, DrillScenario, ScenarioVerdict } from './scenarios.ts';

/**
 * The drill's remediation scenarios: the remediate workflow started the way an alert starts it in
 * AWS. A fault makes kube-sim's metrics change, the real Prometheus (the platform's rules, fast
 * timing) fires, the real Alertmanager delivers to the local webhook (the deployed ingress Lambda),
 * the alert lands on the bus and the stack's rule starts remediate. They need the Prometheus and
 * Alertmanager binaries (capability `monitoring`) and are skipped, saying so, without them.
 *
 * - a crash-looping Prefect worker pod is deleted by delete-pod, its Deployment replaces it, the
 *   alert clears and resolves, and the audit trail holds the whole chain; the Deployment's own
 *   missing-replica alert is inhibited by the pod's, so nothing else runs or pages;
 * - a NotReady node whose pod a PodDisruptionBudget protects (disruptionsAllowed 0): the
 *   drain's preflight finds the eviction blocked by the budget (as the eviction API would answer
 *   429), so nothing is cordoned or evicted, the chain is exhausted and a human is paged. The
 *   Deployments with a replica on the node really lack it while the node is down, and
 *   rollout-restart cannot bring it back (their budgets refuse it): each pages too, as expected;
 * - an alert storm: the same alerts delivered many times start exactly one remediation each.
 */
export const REMEDIATE_WORKFLOW = 'remediate';

/** Prometheus (1 s) -> Alertmanager (group_wait 0 s) -> webhook takes about a second. */
const ALERT_DEADLINE_MS = 60_000;

type DrillContext = { lakehouse: LocalLakehouse; workflows: LocalWorkflows };

/**
 * A remediation scenario: its fault is a fixture that the run (through the alert path, with the
 * remediation loop running) and the evaluation both read. The drill runs one scenario at a time,
 * so the fixture held here is the current run's.
 */
interface RemediationScenarioSpec<Fixture extends DrillFixture> {
  readonly id: string;
  readonly title: string;
  inject(lakehouse: LocalLakehouse): Promise<Fixture>;
  /** Waits for the remediations the fault must start; returns the execution to show. */
  run(loop: RemediationLoop, fixture: Fixture, context: DrillContext): Promise<ExecutionResult>;
  evaluate(result: ExecutionResult, context: DrillRunContext, fixture: Fixture): Promise<ScenarioVerdict>;
}

function remediationScenario<Fixture extends DrillFixture>(
  spec: RemediationScenarioSpec<Fixture>,
): DrillScenario {
  let fixture: Fixture | undefined;
  const current = () => {
    if (!fixture) throw new Error(`drill scenario ${spec.id} ran before its fault was injected`);
    return fixture;
  };
  return {
    id: spec.id,
    title: spec.title,
    workflow: REMEDIATE_WORKFLOW,
    requires: ['monitoring'],
    input: undefined,
    inject: async (lakehouse) => {
      const injected = await spec.inject(lakehouse);
      fixture = injected;
      return () => injected.repair();
    },
    run: (context) => withRemediationLoop(context, (loop) => spec.run(loop, current(), context)),
    evaluate: (result, context) => spec.evaluate(result, context, current()),
  };
}

/** The loop runs for the scenario only: alerts of other scenarios' faults start nothing. */
async function withRemediationLoop<T>(
  { lakehouse, workflows }: DrillContext,
  body: (loop: RemediationLoop) => Promise<T>,
): Promise<T> {
  const loop = startLakehouseRemediationLoop(lakehouse, workflows);
  try {
    return await body(loop);
  } finally {
    loop.stop();
    // Remediations of other alerts the fault raised (a NotReady node's pods) end before the next scenario.
    await loop.settled();
  }
}

function alertOf(event: DeliveredEvent) {
  return event.detail as {
    alertname: string;
    status: string;
    fingerprint: string;
    labels: Record<string, string>;
  };
}

/** Matches the firing (or resolved) alert `alertname` whose labels include `labels`. */
function alertMatching(alertname: string, labels: Record<string, string>, status = 'firing') {
  return (event: DeliveredEvent) => {
    const alert = alertOf(event);
    return (
      alert.alertname === alertname &&
      alert.status === status &&
      Object.entries(labels).every(([name, value]) => alert.labels[name] === value)
    );
  };
}

function onlyExecution(remediation: Remediation): ExecutionResult {
  const [execution] = remediation.executions;
  if (remediation.error) throw remediation.error;
  if (!execution) throw new Error(`no rule started a workflow for ${alertOf(remediation.event).alertname}`);
  return execution;
}

/** `act CHANGED (delete-pod): deleted pod ...`: one audit record as a drill line. */
function auditLine(record: StoredAuditRecord): string {
  const detail = (record.after as { detail?: unknown } | undefined)?.detail;
  const text = typeof detail === 'string' ? `: ${detail}` : '';
  return `audit ${record.action} ${record.decision} by ${record.actor}${text}`;
}

function expectSummary(summary: RemediationSummary, status: RemediationSummary['status']): string[] {
  return summary.status === status
    ? []
    : [`remediate ended ${summary.status} (${summary.detail}), expected ${status}`];
}

function expectDecisions(trail: readonly StoredAuditRecord[], expected: Record<string, string>): string[] {
  return Object.entries(expected).flatMap(([action, decision]) => {
    const record = trail.find((candidate) => candidate.action === action);
    if (!record)
      return [`the audit trail has no ${action} record (has ${trail.map((r) => r.action).join(', ')})`];
    return record.decision === decision
      ? []
      : [`audit ${action} is ${record.decision}, expected ${decision}`];
  });
}

/** The firing alerts a scenario's fault raised besides the one it waits for, as `alertname on target`. */
function otherFiringAlerts(loop: RemediationLoop, awaited: Remediation): Remediation[] {
  return loop.remediations.filter(
    (remediation) => remediation !== awaited && alertOf(remediation.event).status === 'firing',
  );
}

function describeAlert(remediation: Remediation): string {
  const { alertname, labels } = alertOf(remediation.event);
  const target = labels.node ?? `${labels.namespace}/${labels.pod ?? labels.deployment ?? labels.workload}`;
  return `${alertname} on ${target}`;
}

function verdict(problems: string[], details: string[]): ScenarioVerdict {
  return { passed: problems.length === 0, problems, details };
}

// 1. A crash-looping Prefect worker, fixed automatically.

interface CrashLoopFixture extends DrillFixture {
  readonly namespace: string;
  readonly pod: string;
  /** Whether Prometheus stopped firing the alert after the fix. */
  cleared: boolean;
  /** Remediations of other alerts while this one ran (its Deployment's is inhibited: none expected). */
  others: Remediation[];
}

const CRASH_LOOPING_WORKER = remediationScenario<CrashLoopFixture>({
  id: 'remediate-crash-looping-worker',
  title: 'Crash-looping Prefect worker: PodCrashLooping -> delete-pod, alert clears',
  inject: async (lakehouse) => {
    const pod = await crashLoopPrefectWorker(lakehouse.kube, lakehouse.layout);
    const { namespace = '', name = '' } = pod.metadata;
    return {
      namespace,
      pod: name,
      cleared: false,
      others: [],
      repair: async () => {
        // A remediation that failed leaves it crash-looping: delete it as the playbook would have.
        if (lakehouse.kube.get('v1', 'Pod', name, namespace))
          lakehouse.kube.delete('v1', 'Pod', name, namespace);
        await lakehouse.kube.settle();
      },
    };
  },
  run: async (loop, fixture, { lakehouse }) => {
    const labels = { namespace: fixture.namespace, pod: fixture.pod };
    const firing = await loop.waitFor(
      `PodCrashLooping of ${fixture.pod}`,
      alertMatching('PodCrashLooping', labels),
      ALERT_DEADLINE_MS,
    );
    // The resolution itself is not delivered while the remediation's silence holds the alert.
    const prometheus = lakehouse.monitoring?.prometheus;
    fixture.cleared =
      prometheus !== undefined &&
      (await alertInactive(prometheus, 'PodCrashLooping', labels, ALERT_DEADLINE_MS));
    fixture.others.push(...otherFiringAlerts(loop, firing));
    return onlyExecution(firing);
  },
  evaluate: async (result, { lakehouse }, fixture) => {
    const problems = expectSummary(summarizeRemediation(result), 'REMEDIATED');
    const target = `${lakehouse.clusterName}/${fixture.namespace}/Pod/${fixture.pod}`;
    const trail = await lakehouse.readAuditTrail(REMEDIATE_WORKFLOW, target);
    problems.push(
      ...expectDecisions(trail, {
        '0-delete-pod-preflight': 'ALLOWED',
        '0-delete-pod-act': 'CHANGED',
        '0-delete-pod-verify': 'CLEARED',
        outcome: 'REMEDIATED',
      }),
    );
    if (lakehouse.kube.get('v1', 'Pod', fixture.pod, fixture.namespace))
      problems.push(`pod ${fixture.namespace}/${fixture.pod} still exists`);
    if (!fixture.cleared) problems.push('Prometheus still fires PodCrashLooping after the fix');
    // Alertmanager inhibits the Deployment's DeploymentReplicasUnavailable while the pod's alert names the cause.
    for (const other of fixture.others) problems.push(`unexpected remediation of ${describeAlert(other)}`);
    return verdict(problems, [
      ...trail.map(auditLine),
      "no other alert: the pod's alert inhibited its Deployment's DeploymentReplicasUnavailable",
    ]);
  },
});

// 2. A drain blocked by a PodDisruptionBudget, escalated.

interface BlockedDrainFixture extends DrillFixture {
  readonly node: string;
  readonly guarded: { readonly namespace: string; readonly name: string };
  /** `namespace/name` of each Deployment with a replica on the node: each lacks it while the node is down. */
  readonly stranded: readonly string[];
  /** Their DeploymentReplicasUnavailable remediations, and any other alert's (none expected). */
  deployments: Remediation[];
  unexpected: Remediation[];
}

/** The Deployments whose pods run on `node` (a ReplicaSet's pod names it `<deployment>-<hash>`). */
function deploymentsOnNode(lakehouse: LocalLakehouse, node: string): string[] {
  const names = lakehouse.kube
    .list<Pod>('v1', 'Pod')
    .filter((pod) => pod.spec?.nodeName === node)
    .flatMap((pod) =>
      (pod.metadata.ownerReferences ?? [])
        .filter((owner) => owner.kind === 'ReplicaSet')
        .map((owner) => `${pod.metadata.namespace}/${owner.name.replace(/-[^-]+$/, '')}`),
    );
  return [...new Set(names)].sort();
}

/** One replica pinned to `node` and a budget that allows no disruption of it. */
function guardedSingleton(namespace: string, name: string, node: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node },
            tolerations: [{ operator: 'Exists' }],
            containers: [{ name: 'guarded', image: PLATFORM_IMAGES.prefect }],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace, labels },
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
  ];
}

const BLOCKED_DRAIN = remediationScenario<BlockedDrainFixture>({
  id: 'remediate-drain-blocked-by-pdb',
  title: 'NotReady node behind a PodDisruptionBudget: drain blocked by the budget, escalated',
  inject: async (lakehouse) => {
    const { kube, layout } = lakehouse;
    const [node] = kube
      .list<Node>('v1', 'Node', undefined, `${layout.nodes.nodeGroupLabel}=compute`)
      .map((candidate) => candidate.metadata.name ?? '')
      .sort();
    if (!node) throw new Error('the compute node group has no Nodes');
    const guarded = { namespace: layout.prefect.namespace, name: 'drill-guarded-singleton' };
    const objects = guardedSingleton(guarded.namespace, guarded.name, node);
    for (const object of objects) kube.apply(object);
    await kube.settle();
    const stranded = deploymentsOnNode(lakehouse, node);
    kube.setNodeReady(node, false);
    await kube.settle();
    return {
      node,
      guarded,
      stranded,
      deployments: [],
      unexpected: [],
      repair: async () => {
        kube.setNodeReady(node, true);
        const current = kube.get<Node>('v1', 'Node', node);
        if (current?.spec?.unschedulable)
          kube.apply({ ...current, spec: { ...current.spec, unschedulable: false } });
        for (const object of objects)
          kube.delete(object.apiVersion, object.kind, guarded.name, guarded.namespace);
        await kube.settle();
      },
    };
  },
  run: async (loop, fixture) => {
    const nodeAlert = await loop.waitFor(
      `NodeNotReady of ${fixture.node}`,
      alertMatching('NodeNotReady', { node: fixture.node }),
      ALERT_DEADLINE_MS,
    );
    for (const deployment of fixture.stranded) {
      const [namespace = '', name = ''] = deployment.split('/');
      fixture.deployments.push(
        await loop.waitFor(
          `DeploymentReplicasUnavailable of ${deployment}`,
          alertMatching('DeploymentReplicasUnavailable', { namespace, deployment: name }),
          ALERT_DEADLINE_MS,
        ),
      );
    }
    fixture.unexpected.push(
      ...otherFiringAlerts(loop, nodeAlert).filter((other) => !fixture.deployments.includes(other)),
    );
    return onlyExecution(nodeAlert);
  },
  evaluate: async (result, { lakehouse, notifications }, fixture) => {
    const problems = expectSummary(summarizeRemediation(result), 'ESCALATED');
    const target = `${lakehouse.clusterName}/_cluster/Node/${fixture.node}`;
    const trail = await lakehouse.readAuditTrail(REMEDIATE_WORKFLOW, target);
    problems.push(
      ...expectDecisions(trail, { '0-cordon-drain-node-preflight': 'REFUSED', outcome: 'ESCALATED' }),
    );
    if (trail.some((record) => record.action === '0-cordon-drain-node-act'))
      problems.push('cordon-drain-node acted although the budget allows no disruption');
    const preflight = trail.find((record) => record.action === '0-cordon-drain-node-preflight');
    if (!JSON.stringify(preflight?.after ?? '').includes(fixture.guarded.name))
      problems.push(`the preflight does not name ${fixture.guarded.name} as blocking the drain`);
    const pods = lakehouse.kube.list<Pod>(
      'v1',
      'Pod',
      fixture.guarded.namespace,
      `app.kubernetes.io/name=${fixture.guarded.name}`,
    );
    if (pods.length !== 1) problems.push(`the budget's pod was not kept (${pods.length} pods)`);
    if (lakehouse.kube.get<Node>('v1', 'Node', fixture.node)?.spec?.unschedulable)
      problems.push(`node ${fixture.node} was cordoned although it could not be drained`);
    const page = notifications.find(
      (notification) =>
        notification.subject?.includes('ESCALATED NodeNotReady') &&
        notification.message.includes(fixture.node),
    );
    if (!page) problems.push('no escalation was published for the node');
    const stranded = await Promise.all(
      fixture.deployments.map((remediation) =>
        expectStrandedEscalated(remediation, lakehouse, notifications),
      ),
    );
    if (!fixture.stranded.includes(`${fixture.guarded.namespace}/${fixture.guarded.name}`))
      problems.push(`${fixture.guarded.name} has no replica on ${fixture.node}`);
    problems.push(...stranded.flat());
    for (const other of fixture.unexpected)
      problems.push(`unexpected remediation of ${describeAlert(other)}`);
    return verdict(problems, [
      ...trail.map(auditLine),
      ...(page ? [`paged: ${page.subject}`] : []),
      `expected: ${fixture.stranded.join(', ')} lack their replica on the NotReady node; rollout-restart ` +
        'cannot bring it back while the node is down and their budgets refuse it, so each is escalated too',
    ]);
  },
});

/**
 * A Deployment stranded on the down node: its alert's chain (rollout-restart) is refused by its
 * budget and a human is paged for it, naming the Deployment.
 */
async function expectStrandedEscalated(
  remediation: Remediation,
  lakehouse: LocalLakehouse,
  notifications: DrillRunContext['notifications'],
): Promise<string[]> {
  const { labels } = alertOf(remediation.event);
  const deployment = `${labels.namespace}/${labels.deployment}`;
  const problems = expectSummary(summarizeRemediation(onlyExecution(remediation)), 'ESCALATED').map(
    (problem) => `${deployment}: ${problem}`,
  );
  const target = `${lakehouse.clusterName}/${labels.namespace}/Deployment/${labels.deployment}`;
  const trail = await lakehouse.readAuditTrail(REMEDIATE_WORKFLOW, target);
  problems.push(
    ...expectDecisions(trail, { '0-rollout-restart-preflight': 'REFUSED', outcome: 'ESCALATED' }).map(
      (problem) => `${deployment}: ${problem}`,
    ),
  );
  const paged = notifications.some(
    (notification) =>
      notification.subject?.includes('ESCALATED DeploymentReplicasUnavailable') &&
      notification.message.includes(`Deployment/${labels.deployment}`),
  );
  if (!paged) problems.push(`no escalation was published for ${deployment}`);
  return problems;
}

// 3. An alert storm, deduplicated.

/** Distinct alerts, each delivered this many times, this many deliveries at once. */
const STORM = { alerts: 5, deliveriesPerAlert: 40, concurrency: 20 } as const;

interface StormFixture extends DrillFixture {
  readonly fingerprints: readonly string[];
  readonly deliveries: DeliveryResult[];
  readonly remediations: Remediation[];
}

/** About pods long gone (the storm is about counting runs): each run stops at preflight and pages. */
function stormAlert(index: number, startsAt: string) {
  return {
    alertname: 'PodCrashLooping',
    labels: { namespace: 'prefect', pod: `storm-gone-${index}`, severity: 'warning' },
    fingerprint: alertFingerprint(0x5707_0000 + index + Date.now() * 16),
    startsAt,
  };
}

const ALERT_STORM = remediationScenario<StormFixture>({
  id: 'remediate-alert-storm',
  title: `Alert storm: ${STORM.alerts} alerts delivered ${STORM.deliveriesPerAlert} times each start ${STORM.alerts} remediations`,
  inject: async () => ({ fingerprints: [], deliveries: [], remediations: [], repair: async () => undefined }),
  run: async (loop, fixture, { lakehouse }) => {
    const startsAt = new Date().toISOString();
    const alerts = Array.from({ length: STORM.alerts }, (_, index) => stormAlert(index, startsAt));
    (fixture.fingerprints as string[]).push(...alerts.map((alert) => alert.fingerprint));
    const queue = alerts.flatMap((alert) => Array.from({ length: STORM.deliveriesPerAlert }, () => alert));
    await Promise.all(
      Array.from({ length: STORM.concurrency }, async () => {
        for (let alert = queue.pop(); alert; alert = queue.pop())
          fixture.deliveries.push(await deliverAlerts(lakehouse.alertWebhook, [alert]));
      }),
    );
    await loop.settled();
    const ours = new Set(fixture.fingerprints);
    fixture.remediations.push(
      ...loop.remediations.filter((remediation) => ours.has(alertOf(remediation.event).fingerprint)),
    );
    const [first] = fixture.remediations;
    if (!first) throw new Error('the storm started no remediation');
    return onlyExecution(first);
  },
  evaluate: async (_result, _context, fixture) => {
    const problems: string[] = [];
    const refused = fixture.deliveries.filter((delivery) => delivery.status !== 200);
    if (refused.length > 0)
      problems.push(`${refused.length} deliveries were refused (first: ${refused[0]?.status})`);
    const published = fixture.deliveries.reduce((sum, delivery) => sum + (delivery.body.published ?? 0), 0);
    const duplicates = fixture.deliveries.reduce((sum, delivery) => sum + (delivery.body.duplicates ?? 0), 0);
    if (published !== STORM.alerts) problems.push(`${published} alerts published, expected ${STORM.alerts}`);
    const perAlert = new Map(fixture.fingerprints.map((fingerprint) => [fingerprint, 0]));
    for (const remediation of fixture.remediations) {
      const { fingerprint } = alertOf(remediation.event);
      perAlert.set(fingerprint, (perAlert.get(fingerprint) ?? 0) + remediation.executions.length);
    }
    for (const [fingerprint, runs] of perAlert)
      if (runs !== 1) problems.push(`alert ${fingerprint} started ${runs} remediations, expected 1`);
    const outcomes = fixture.remediations.map(
      (remediation) => summarizeRemediation(onlyExecution(remediation)).status,
    );
    return verdict(problems, [
      `${fixture.deliveries.length} deliveries: ${published} published, ${duplicates} duplicates`,
      `${fixture.remediations.length} remediations: ${[...new Set(outcomes)].join(', ')}`,
    ]);
  },
});

export const REMEDIATION_DRILL_SCENARIOS: readonly DrillScenario[] = [
  CRASH_LOOPING_WORKER,
  BLOCKED_DRAIN,
  ALERT_STORM,
];
