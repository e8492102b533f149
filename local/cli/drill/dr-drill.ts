import { z } from 'zod';
import type { LocalDrSide } from '../../lakehouse/dr-side.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import type { LocalReplication } from '../../runner/replication.ts';
import type { LocalWorkflows } from '../../runner/workflows.ts';
import {
  inReplica,
  listingDifferences,
  missingOrChanged,
  recordsNotAt,
  type WrittenObject,
  writeDrillObjects,
} from './dr-checks.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import { backupBucketClientOf, minioClientOf, sha256Of, withClient, writeObject } from './object-store.ts';

/**
 * Issue 5's drill (docs/dr.md, "The drill's DR scenarios"): the primary region is lost with
 * replication running, dr-failover (mode `drill`) brings the DR side up and validates it, the
 * primary comes back and dr-failback resyncs to a zero diff and switches back. Every object written
 * before the loss must be in the replica and, after failback, in MinIO, byte for byte; so must an
 * object written on the DR side while it served. The scenario and bench/dr/failover-drill.bench.ts
 * both run it.
 */
export const DR_FAILOVER = 'dr-failover';
export const DR_FAILBACK = 'dr-failback';
export const DRILL_REQUESTER = 'lakehouse-ops-drill';
/** Objects written before the primary is lost: enough to span both source buckets several times. */
const OBJECTS_BEFORE_LOSS = 12;

export interface DrDrillContext {
  readonly lakehouse: LocalLakehouse;
  readonly workflows: LocalWorkflows;
  readonly replication: LocalReplication;
}

const stepTimingSchema = z.object({
  step: z.string(),
  status: z.string(),
  attempts: z.number(),
  durationSeconds: z.number().optional(),
  secondsSinceOpened: z.number().optional(),
});
const targetSchema = z.object({
  seconds: z.number().nullable(),
  targetSeconds: z.number(),
  verdict: z.string(),
  detail: z.string(),
});
const failoverReportSchema = z.object({
  failoverId: z.string(),
  outcome: z.string(),
  rto: targetSchema,
  rpo: targetSchema,
  gates: z.string().nullable(),
  stepTimings: z.array(stepTimingSchema),
  summary: z.string(),
});
export type DrillFailoverReport = z.infer<typeof failoverReportSchema>;

const failbackReportSchema = z.object({
  failoverId: z.string(),
  durationSeconds: z.number().nullable(),
  resynced: z.object({
    copied: z.number(),
    deleted: z.number(),
    bytesCopied: z.number(),
    passes: z.number(),
  }),
  diffAtSwitch: z.number().nullable(),
  diffZero: z.boolean(),
  timings: z.array(stepTimingSchema),
});
export type DrillFailbackReport = z.infer<typeof failbackReportSchema>;

export interface FailoverDrillOutcome {
  readonly failover: ExecutionResult;
  readonly failoverReport?: DrillFailoverReport;
  readonly failback?: ExecutionResult;
  readonly failbackReport?: DrillFailbackReport;
  /** Objects written before the primary was lost, and the one written on the DR side. */
  readonly written: readonly WrittenObject[];
  /** Each written object missing from the replica or from MinIO after failback, or changed. */
  readonly objectsLost: readonly string[];
  readonly problems: readonly string[];
}

const prepared = new WeakSet<LocalLakehouse>();

/**
 * The last-verify-backup gate wants a SUCCESSFUL verify-backup of every source bucket within its
 * age: the drill's earlier scenarios verify one bucket, and one of them on purpose FAILS. So a
 * backup and a verify-backup of each bucket run first, once per lakehouse, as the schedule would
 * have run them before a disaster. Returns what went wrong.
 */
export async function prepareFailoverGates({
  lakehouse,
  workflows,
}: Omit<DrDrillContext, 'replication'>): Promise<string[]> {
  if (prepared.has(lakehouse)) return [];
  const backup = await workflows.runWorkflow('backup', { requestedBy: DRILL_REQUESTER });
  if (backup.status !== 'SUCCEEDED')
    return [`the backup before the failover did not succeed: ${describeExecution(backup)}`];
  for (const sourceBucket of lakehouse.backup.sourceBuckets) {
    const verify = await workflows.runWorkflow('verify-backup', {
      sourceBucket,
      requestedBy: DRILL_REQUESTER,
    });
    if (verify.status !== 'SUCCEEDED')
      return [
        `verify-backup of ${sourceBucket} before the failover did not succeed: ${describeExecution(verify)}`,
      ];
  }
  prepared.add(lakehouse);
  return [];
}

export function drSideOf(lakehouse: LocalLakehouse): LocalDrSide {
  if (!lakehouse.dr)
    throw new Error(
      'the DR scenarios need the DR side: start the lakehouse with startLocalLakehouse({ drSide: true })',
    );
  return lakehouse.dr;
}

/** One failover and failback round; `round` keeps each round's objects apart. */
export async function runFailoverDrill(context: DrDrillContext, round = 1): Promise<FailoverDrillOutcome> {
  const { lakehouse, workflows, replication } = context;
  const dr = drSideOf(lakehouse);
  const buckets = lakehouse.backup.sourceBuckets;
  const replicaBucket = lakehouse.replica.bucketName;
  const locateInReplica = inReplica(replicaBucket);
  const problems: string[] = [];
  const objectsLost: string[] = [];
  const prefix = `dr-drill/round-${round}-${Date.now()}/`;

  const beforeLoss = await withClient(minioClientOf(lakehouse), (minio) =>
    writeDrillObjects(minio, buckets, prefix, OBJECTS_BEFORE_LOSS),
  );
  // Replication running as usual: the objects reach the replica before the region goes.
  await replication.idle();
  await dr.losePrimary();

  const failover = await workflows.runWorkflow(DR_FAILOVER, {
    mode: 'drill',
    reason: `drill round ${round}: primary region lost`,
    requestedBy: DRILL_REQUESTER,
  });
  const failoverReport = documentOf(failover, failoverReportSchema);
  if (!failoverReport || failover.status !== 'SUCCEEDED') {
    await dr.restorePrimary();
    return {
      failover,
      written: beforeLoss,
      objectsLost: [],
      problems: [`dr-failover did not fail over: ${describeExecution(failover)}`],
    };
  }
  problems.push(...failoverReportProblems(failoverReport));
  problems.push(...recordsNotAt(dr, 'drillRecords', 'dr').map((problem) => `after failover: ${problem}`));
  problems.push(
    ...recordsNotAt(dr, 'records', 'primary').map(
      (problem) => `a drill moved a production record: ${problem}`,
    ),
  );
  problems.push(...(await drPrefectProblems(dr)));

  const onDrSide = await withClient(backupBucketClientOf(lakehouse), async (s3) => {
    objectsLost.push(...(await missingOrChanged(s3, beforeLoss, locateInReplica, 'the DR replica')));
    // A write while the DR side serves: failback must bring it back to MinIO too.
    const written = { bucket: buckets[0] as string, key: `${prefix}written-on-dr.json` };
    const body = Buffer.from(JSON.stringify({ writtenOn: 'dr', round }));
    await writeObject(s3, replicaBucket, { ...locateInReplica(written), body, metadata: {} });
    return { ...written, sha256: sha256Of(body) };
  });
  const written = [...beforeLoss, onDrSide];

  await dr.restorePrimary();
  const failbackInput = {
    failoverId: failoverReport.failoverId,
    mode: 'drill',
    requestedBy: DRILL_REQUESTER,
  };
  // One run: its switch looks again while Route 53 applies the change, as the failover's does.
  const failback = await workflows.runWorkflow(DR_FAILBACK, failbackInput);
  const failbackReport = documentOf(failback, failbackReportSchema);
  if (!failbackReport || failback.status !== 'SUCCEEDED') {
    problems.push(`dr-failback did not fail back: ${describeExecution(failback)}`);
  } else if (!failbackReport.diffZero) {
    problems.push(`dr-failback switched back with a listing diff of ${failbackReport.diffAtSwitch}`);
  }
  problems.push(
    ...recordsNotAt(dr, 'drillRecords', 'primary').map((problem) => `after failback: ${problem}`),
  );
  await replication.idle();
  await withClient(minioClientOf(lakehouse), (minio) =>
    withClient(backupBucketClientOf(lakehouse), async (s3) => {
      objectsLost.push(
        ...(await missingOrChanged(minio, written, (object) => object, 'MinIO after failback')),
      );
      const differences = await listingDifferences(minio, s3, replicaBucket, buckets);
      if (differences.length > 0)
        problems.push(`MinIO and the replica differ after failback: ${differences.slice(0, 5).join('; ')}`);
    }),
  );
  return {
    failover,
    failoverReport,
    failback,
    ...(failbackReport ? { failbackReport } : {}),
    written,
    objectsLost,
    problems: [...problems, ...objectsLost],
  };
}

function failoverReportProblems(report: DrillFailoverReport): string[] {
  const problems: string[] = [];
  if (report.outcome !== 'COMPLETED') problems.push(`the failover report says ${report.outcome}`);
  if (report.gates !== 'PASSED') problems.push(`the gates were ${report.gates}, expected PASSED`);
  for (const [name, target] of [
    ['RTO', report.rto],
    ['RPO', report.rpo],
  ] as const) {
    if (target.verdict !== 'MET') problems.push(`${name} ${target.verdict}: ${target.detail}`);
  }
  const unfinished = report.stepTimings.filter(
    (step) => step.step !== 'report' && step.status !== 'SUCCEEDED',
  );
  if (unfinished.length > 0)
    problems.push(
      `steps not SUCCEEDED: ${unfinished.map((step) => `${step.step} ${step.status}`).join(', ')}`,
    );
  return problems;
}

/** The drill's Prefect API name must now lead to a DR Prefect that answers. */
async function drPrefectProblems(dr: LocalDrSide): Promise<string[]> {
  const resolved = dr.resolve(dr.dns.drillRecords.prefectApi);
  if (!resolved.url) return [`${resolved.name} leads to ${resolved.target}, which nothing serves`];
  const health = await fetch(`${resolved.url}/health`).catch((error: unknown) => error as Error);
  return health instanceof Error || !health.ok
    ? [
        `the DR Prefect API behind ${resolved.name} does not answer: ${health instanceof Error ? health.message : health.status}`,
      ]
    : [];
}

/** A step the report was written during has not finished: it has no duration yet, so none is shown. */
function inSeconds(seconds: number | null | undefined): string {
  return typeof seconds === 'number' ? ` in ${seconds} s` : '';
}

function measured(seconds: number | null): string {
  return seconds === null ? 'not measured' : `${seconds} s`;
}

/** Lines for the drill's output: RTO, RPO, and where the time went, step by step. */
export function failoverDrillDetails(outcome: FailoverDrillOutcome): string[] {
  const lines: string[] = [];
  const report = outcome.failoverReport;
  if (report) {
    lines.push(
      `failover ${report.failoverId}: RTO ${measured(report.rto.seconds)} (${report.rto.verdict}), RPO ${measured(report.rpo.seconds)} (${report.rpo.verdict})`,
    );
    lines.push(
      ...report.stepTimings.map(
        (step) =>
          `  ${step.step}: ${step.status}${inSeconds(step.durationSeconds)}${step.secondsSinceOpened === undefined ? '' : `, ${step.secondsSinceOpened} s after the declaration`}`,
      ),
    );
  }
  const back = outcome.failbackReport;
  if (back) {
    lines.push(
      `failback: ${typeof back.durationSeconds === 'number' ? `${back.durationSeconds} s, ` : ''}${back.resynced.copied} copied and ${back.resynced.deleted} deleted in ${back.resynced.passes} passes, ${back.diffAtSwitch === null ? 'no diff taken before the switch' : `diff at the switch ${back.diffAtSwitch}`}`,
    );
    lines.push(
      ...back.timings.map((step) => `  ${step.step}: ${step.status}${inSeconds(step.durationSeconds)}`),
    );
  }
  lines.push(`${outcome.written.length} objects checked by SHA-256 in the replica and back in MinIO`);
  return lines;
}
