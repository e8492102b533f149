import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryAll } from '../../../../commons/dynamodb-pages.ts';

/**
 * The verify-backup verdicts recorded since a time, read from the audit trail's `audit-by-time`
 * index (functions/core/audit/audit-trail.ts): record-backup-verdict writes each under the target
 * `<bucket>@<runId>`, so a bucket's verdicts are spread over one partition per run, while the
 * index holds one partition per day. A window of N days is N+1 Queries, whatever the number of runs.
 */
export interface AuditIndexTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export const AUDIT_BY_TIME_INDEX = 'audit-by-time';

export interface RecordedVerdict {
  sourceBucket: string;
  runId: string;
  status: string;
  /** When the verdict was recorded (ISO). */
  recordedAt: string;
  reasons: string[];
}

export async function verifyBackupVerdictsSince(
  table: AuditIndexTable,
  since: Date,
  now: Date,
): Promise<RecordedVerdict[]> {
  const pages = await Promise.all(
    daysBetween(since, now).map((day) => queryDay(table, day, since.toISOString())),
  );
  return pages.flat();
}

async function queryDay(table: AuditIndexTable, day: string, since: string): Promise<RecordedVerdict[]> {
  const items = await queryAll(
    table.dynamoDb,
    {
      TableName: table.tableName,
      IndexName: AUDIT_BY_TIME_INDEX,
      KeyConditionExpression: 'auditDay = :day AND auditAt >= :since',
      FilterExpression: 'workflow = :workflow AND #action = :action',
      ExpressionAttributeNames: { '#action': 'action' },
      ExpressionAttributeValues: {
        ':day': { S: day },
        ':since': { S: since },
        ':workflow': { S: 'verify-backup' },
        ':action': { S: 'record-verdict' },
      },
    },
    `dynamodb:Query ${table.tableName} ${AUDIT_BY_TIME_INDEX} ${day}`,
  );
  return items.map(verdictOf);
}

function verdictOf(item: Record<string, AttributeValue>): RecordedVerdict {
  const target = item.target?.S ?? '';
  const separator = target.lastIndexOf('@');
  const after = parseAfter(item.after?.S);
  return {
    sourceBucket: after.sourceBucket ?? target.slice(0, Math.max(separator, 0)),
    runId: after.runId ?? target.slice(separator + 1),
    status: item.decision?.S ?? '',
    recordedAt: item.auditAt?.S ?? '',
    reasons: after.reasons ?? [],
  };
}

interface VerdictState {
  sourceBucket?: string;
  runId?: string;
  reasons?: string[];
}

function parseAfter(json: string | undefined): VerdictState {
  if (json === undefined) return {};
  try {
    const value = JSON.parse(json) as VerdictState | null;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    // A state cut for size is not JSON of the verdict; the target and decision still tell enough.
    return {};
  }
}

/** The UTC days (YYYY-MM-DD) from `since` to `now`, both included. */
export function daysBetween(since: Date, now: Date): string[] {
  const days: string[] = [];
  const day = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (day.getTime() <= now.getTime()) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}
