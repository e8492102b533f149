import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { recordsNotAt, workloadReplicas } from './dr-checks.ts';
import { drSideOf } from './dr-drill.ts';
import { describeExecution } from './execution-document.ts';
import { minioClientOf, withClient } from './object-store.ts';
import type { DrillRunContext } from './scenarios.ts';

/**
 * The refused failover: replication lags beyond the RPO, so dr-failover's replication-lag gate must
 * fail and the failover stop before it changes anything. The lag is made the way it happens: the
 * replication consumer has fallen behind (paused), and MinIO's queue_dir replays an event it kept
 * through an ingress outage, with its original eventTime, older than the RPO. The lag is the age of
 * the oldest pending event (functions/core/dr/replication/lag.ts), so that event is the lag.
 */
const DR_FAILOVER_STOPPED = 'DrFailoverStopped';
/** States that change something; a refused failover must reach none of them. */
const CHANGING_STATES = [
  'FencePrefect',
  'FenceWriters',
  'FenceBuckets',
  'ScaleDrNodeGroups',
  'ApplyDrPlatformStage',
  'RestoreDrDatabase',
  'SwitchTrafficToDr',
];
/** How far past the RPO the replayed event is: well clear of clock and run-time slack. */
const BEYOND_RPO_SECONDS = 120;
/** The RPO the stack configures when DR_RPO_SECONDS is unset (functions/core/dr/failover/settings.ts). */
const DEFAULT_RPO_SECONDS = 300;

export function rpoSecondsOf(environment: Readonly<Record<string, string>>): number {
  const configured = Number(environment.DR_RPO_SECONDS);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_RPO_SECONDS;
}

/**
 * What the refusal must leave as it was. (MinIO's bucket policies are not compared: s3rver has
 * none, so the fence's buckets step reports them unsupported locally; the timeline shows that no
 * fence step ran at all.)
 */
export interface PrimarySnapshot {
  readonly replicas: Record<string, number | undefined>;
  readonly drNodes: number;
}

export function snapshotPrimary(lakehouse: LocalLakehouse): PrimarySnapshot {
  return {
    replicas: workloadReplicas(lakehouse),
    drNodes: drSideOf(lakehouse).kube.list('v1', 'Node').length,
  };
}

/**
 * Writes an object to MinIO and has MinIO's webhook target deliver an event for it dated
 * `ageSeconds` ago, as its queue replays one kept during an outage; resolves once delivered.
 */
export async function replayStaleEvent(lakehouse: LocalLakehouse, ageSeconds: number): Promise<void> {
  const bucket = lakehouse.backup.sourceBuckets[0] as string;
  const key = `dr-drill/replayed-after-ingress-outage-${Date.now()}.json`;
  const body = Buffer.from(JSON.stringify({ keptInQueueDir: true }));
  await withClient(minioClientOf(lakehouse), (minio) =>
    minio.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    ),
  );
  lakehouse.replicationWebhook.notify({
    eventName: 'ObjectCreated:Put',
    eventTime: new Date(Date.now() - ageSeconds * 1000).toISOString(),
    bucket,
    key,
    size: body.length,
    eTag: createHash('md5').update(body).digest('hex'),
    contentType: 'application/json',
    userMetadata: {},
    // MinIO keeps the original request with the event it queues.
    request: {
      requestId: `replayed-${Date.now()}`,
      sourceIp: '127.0.0.1',
      sourcePort: 0,
      userAgent: 'lakehouse-ops-drill',
    },
  });
  await lakehouse.replicationWebhook.notifications?.idle();
}

export const staleEventAge = (environment: Readonly<Record<string, string>>): number =>
  rpoSecondsOf(environment) + BEYOND_RPO_SECONDS;

export async function refusedFailoverProblems(
  result: ExecutionResult,
  context: DrillRunContext,
  before: PrimarySnapshot,
): Promise<string[]> {
  const { lakehouse } = context;
  const dr = drSideOf(lakehouse);
  const problems: string[] = [];
  if (result.status !== 'FAILED' || result.error !== DR_FAILOVER_STOPPED)
    problems.push(
      `expected the failover to stop with ${DR_FAILOVER_STOPPED}, got ${describeExecution(result)}`,
    );
  const summary = result.cause ?? '';
  if (!/replication-lag/.test(summary))
    problems.push(`the stopped report does not name the replication-lag gate: ${summary}`);
  const reached = CHANGING_STATES.filter((state) => result.timeline.some((entry) => entry.state === state));
  if (reached.length > 0) problems.push(`a refused failover reached ${reached.join(', ')}`);
  if (!context.notifications.some((notification) => /dr-failover/.test(JSON.stringify(notification))))
    problems.push('nobody was notified that the failover stopped');
  problems.push(...recordsNotAt(dr, 'drillRecords', 'primary'), ...recordsNotAt(dr, 'records', 'primary'));
  const after = snapshotPrimary(lakehouse);
  for (const [workload, replicas] of Object.entries(before.replicas)) {
    if (after.replicas[workload] !== replicas)
      problems.push(`${workload} went from ${replicas} to ${after.replicas[workload]} replicas`);
  }
  if (after.drNodes !== before.drNodes)
    problems.push(`the DR cluster went from ${before.drNodes} to ${after.drNodes} nodes`);
  return problems;
}
