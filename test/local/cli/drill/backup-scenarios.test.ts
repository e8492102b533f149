import { describe, expect, it } from 'vitest';
import { backupProblems, backupReportOf } from '../../../../local/cli/drill/backup-scenarios.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';

const tally = (objects: number) => ({ objects, bytes: objects * 10 });
interface BucketLine {
  bucket: string;
  status: string;
  scanned: { objects: number; bytes: number };
  copied: { objects: number; bytes: number };
  skipped: { objects: number; bytes: number };
  manifestKey?: string;
  error?: string;
}
const bucket = (name: string, copied: number, scanned = 6): BucketLine => ({
  bucket: name,
  status: 'BACKED_UP',
  scanned: tally(scanned),
  copied: tally(copied),
  skipped: tally(scanned - copied),
  manifestKey: `manifests/${name}/20250101T000000Z-0a1b2c3d.jsonl`,
});
const run = (
  buckets: ReturnType<typeof bucket>[],
  status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED',
): ExecutionResult => {
  const report = { status, summary: `backup ${status}`, buckets };
  return status === 'SUCCEEDED'
    ? { workflow: 'backup', status, output: report, durationMs: 1, timeline: [] }
    : {
        workflow: 'backup',
        status,
        error: 'BackupFailed',
        cause: JSON.stringify(report),
        durationMs: 1,
        timeline: [],
      };
};
const SOURCES = ['market-data', 'lakehouse'];

describe('backupProblems', () => {
  it('accepts a first backup that copied every bucket into a manifest', () => {
    const result = run([bucket('market-data', 6), bucket('lakehouse', 6)]);
    expect(backupProblems({ copies: 'some' }, result, backupReportOf(result), SOURCES)).toEqual([]);
  });

  it('flags a second backup that copied anything, and a missing bucket', () => {
    const result = run([bucket('market-data', 2)]);
    expect(backupProblems({ copies: 'none' }, result, backupReportOf(result), SOURCES)).toEqual([
      'bucket market-data copied 2 objects, expected none (all unchanged)',
      'bucket market-data skipped 4 of 6 objects, expected all',
      'bucket lakehouse is missing from the report',
    ]);
  });

  it('reads the report from the BackupFailed cause and names the failure', () => {
    const failed = {
      ...bucket('lakehouse', 0),
      status: 'FAILED',
      manifestKey: undefined,
      error: 'IncompleteBackupError: 1 object',
    };
    const result = run([bucket('market-data', 6), failed], 'FAILED');
    expect(backupProblems({ copies: 'some' }, result, backupReportOf(result), SOURCES)).toEqual([
      'execution FAILED, expected SUCCEEDED',
      'report is FAILED: backup FAILED',
      'bucket lakehouse is FAILED (IncompleteBackupError: 1 object), expected BACKED_UP',
      'bucket lakehouse has no manifest',
      'bucket lakehouse copied nothing on a first backup',
    ]);
  });

  it('says so when the execution produced no report', () => {
    const crashed: ExecutionResult = {
      workflow: 'backup',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'x',
      durationMs: 1,
      timeline: [],
    };
    expect(backupProblems({ copies: 'some' }, crashed, backupReportOf(crashed), SOURCES)).toEqual([
      'no backup report: execution FAILED with States.Runtime: x',
    ]);
  });
});
