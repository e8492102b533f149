import { describe, expect, it } from 'vitest';
import { writeAuditRecord } from '../../../../../../functions/core/audit/audit-trail.ts';
import { lastVerifyBackupGate } from '../../../../../../functions/core/dr/failover/gates/last-verify-backup.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../../support/local-dynamodb.ts';

const NOW = new Date('2026-03-02T06:00:00Z');

describe('last-verify-backup gate (dynalite audit trail)', () => {
  const dynamo = useLocalDynamoDb();
  let bucketNumber = 0;
  const table = (tableName = OPS_TABLE) => ({ dynamoDb: dynamo.client(), tableName });
  const newBucket = () => `market-data-${++bucketNumber}`;

  /** A verdict as record-backup-verdict writes it, `hoursAgo` before NOW. */
  async function verdict(
    bucket: string,
    hoursAgo: number,
    status: 'SUCCESSFUL' | 'FAILED',
    reasons: string[] = [],
  ) {
    const runId = `run-${bucket}-${hoursAgo}`;
    await writeAuditRecord(
      { dynamoDb: dynamo.client(), tableName: OPS_TABLE },
      {
        workflow: 'verify-backup',
        action: 'record-verdict',
        target: `${bucket}@${runId}`,
        decision: status,
        after: { workflow: 'verify-backup', sourceBucket: bucket, runId, status, reasons },
        actor: 'schedule',
        at: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString(),
        executionId: `verify-${runId}`,
      },
    );
  }

  const gate = (sourceBuckets: string[], tableName?: string) =>
    lastVerifyBackupGate({ table: table(tableName), sourceBuckets, maxAgeHours: 48, clock: () => NOW });

  it('passes when the newest verdict of every bucket is SUCCESSFUL and recent', async () => {
    const [a, b] = [newBucket(), newBucket()];
    await verdict(a, 30, 'FAILED', ['an older failure']);
    await verdict(a, 6, 'SUCCESSFUL');
    await verdict(b, 26.5, 'SUCCESSFUL');

    const result = await gate([a, b]);

    expect(result).toMatchObject({
      gate: 'last-verify-backup',
      passed: true,
      detail: `the newest verify-backup of ${a} and ${b} is SUCCESSFUL, at most 26.5 h old (limit 48 h)`,
      evidence: {
        measured: 26.5,
        limit: 48,
        unit: 'hours',
        perBucket: { [a]: { status: 'SUCCESSFUL', ageHours: 6, runId: `run-${a}-6` } },
      },
    });
  });

  it('fails when the newest verdict FAILED, even with an older SUCCESSFUL one', async () => {
    const bucket = newBucket();
    await verdict(bucket, 20, 'SUCCESSFUL');
    await verdict(bucket, 2, 'FAILED', ['ticks/0007.json: SHA-256 differs from the manifest']);

    const result = await gate([bucket]);

    expect(result.passed).toBe(false);
    expect(result.detail).toBe(
      `the newest verify-backup of ${bucket} (run run-${bucket}-2) is FAILED (ticks/0007.json: SHA-256 differs from the manifest): run verify-backup and fail over once it is SUCCESSFUL`,
    );
  });

  it('fails when a bucket has no verdict younger than the limit, naming the bucket', async () => {
    const [fresh, stale, never] = [newBucket(), newBucket(), newBucket()];
    await verdict(fresh, 1, 'SUCCESSFUL');
    await verdict(stale, 49, 'SUCCESSFUL');

    const result = await gate([fresh, stale, never]);

    expect(result.passed).toBe(false);
    expect(result.detail).toContain(`${stale} has no verify-backup verdict in the last 48 h`);
    expect(result.detail).toContain(`${never} has no verify-backup verdict in the last 48 h`);
    expect(result.evidence).toMatchObject({
      measured: null,
      limit: 48,
      perBucket: { [fresh]: { ageHours: 1 } },
    });
  });

  it('fails as "could not be evaluated" when the audit index cannot be read', async () => {
    const result = await gate([newBucket()], 'no-such-table');

    expect(result.passed).toBe(false);
    expect(result.detail).toMatch(
      /^the last-verify-backup gate could not be evaluated: ResourceNotFoundException/,
    );
    expect(result.evidence).toMatchObject({ measured: null, limit: 48 });
  });
});
