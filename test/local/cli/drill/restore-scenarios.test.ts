import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../../../local/cli/drill/object-store.ts';
import {
  dryRunProblems,
  type RestoreDrillPlan,
  type RestoreDrillReport,
  restorePlanOf,
  restoreReportOf,
  restoreReportProblems,
} from '../../../../local/cli/drill/restore-scenarios.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';

const PREFIX = 'trades/exchange=kraken/';
const objects = [
  { key: `${PREFIX}date=2025-01-13/part-0000.parquet`, body: Buffer.from('PAR1 13 PAR1'), metadata: {} },
  {
    key: `${PREFIX}date=2025-01-14/part-0000.parquet`,
    body: Buffer.from('PAR1 fourteen PAR1'),
    metadata: {},
  },
];
const deleted = { bucket: 'market-data', prefix: PREFIX, objects };
const item = (object: (typeof objects)[number]) => ({
  key: object.key,
  size: object.body.length,
  sha256: sha256Of(object.body),
});
const plan = (overrides: Partial<RestoreDrillPlan> = {}): RestoreDrillPlan => ({
  runId: '20250101T000000Z-0a1b2c3d',
  prefix: PREFIX,
  targetBucket: 'market-data',
  objects: 2,
  bytes: 30,
  items: objects.map(item),
  truncated: false,
  dryRun: true,
  ...overrides,
});
const succeeded = (output: unknown): ExecutionResult => ({
  workflow: 'restore',
  status: 'SUCCEEDED',
  output,
  durationMs: 1,
  timeline: [],
});
const report = (overrides: Partial<RestoreDrillReport> = {}): RestoreDrillReport => ({
  runId: '20250101T000000Z-0a1b2c3d',
  written: 2,
  skipped: 0,
  verified: 2,
  failed: 0,
  failures: [],
  ...overrides,
});

describe('dryRunProblems', () => {
  it('accepts a dry run that lists exactly the deleted objects, with their sizes and SHA-256s, and wrote nothing', () => {
    const result = succeeded(plan());
    expect(dryRunProblems(result, restorePlanOf(result), deleted, [])).toEqual([]);
  });

  it('names an object listed with other content, a missing one, an extra one and anything written', () => {
    const [first, second] = objects;
    const result = succeeded(
      plan({
        objects: 2,
        items: [
          { ...item(first!), sha256: 'f00d' },
          { key: `${PREFIX}other.parquet`, size: 1, sha256: 'beef' },
        ],
      }),
    );
    expect(dryRunProblems(result, restorePlanOf(result), deleted, [second!.key])).toEqual([
      `the plan lists ${first!.key} as ${first!.body.length} bytes with SHA-256 f00d, the deleted object had ${first!.body.length} bytes with SHA-256 ${sha256Of(first!.body)}`,
      `the plan does not list ${second!.key}`,
      `the plan lists ${PREFIX}other.parquet, which was not deleted`,
      `the dry run wrote ${second!.key}`,
    ]);
  });

  it('refuses a plan that is not a dry run, restores elsewhere, or lists only part of the selection', () => {
    const result = succeeded(plan({ dryRun: false, targetBucket: 'restored', truncated: true, objects: 3 }));
    expect(dryRunProblems(result, restorePlanOf(result), deleted, [])).toEqual([
      'the plan is not a dry run, but no dryRun: false was given',
      `the plan restores restored/${PREFIX}, expected market-data/${PREFIX}`,
      'the plan lists only part of what it would write',
      'the plan would write 3 objects, 2 were deleted',
    ]);
  });

  it('says so when the execution failed without a plan', () => {
    const failed: ExecutionResult = {
      workflow: 'restore',
      status: 'FAILED',
      error: 'UnknownBucketError',
      cause: 'no backup',
      durationMs: 1,
      timeline: [],
    };
    expect(dryRunProblems(failed, restorePlanOf(failed), deleted, [])).toEqual([
      'no restore plan: execution FAILED with UnknownBucketError: no backup',
    ]);
  });
});

describe('restoreReportProblems', () => {
  it('accepts a restore that wrote and verified every deleted object', () => {
    const result = succeeded({ plan: plan({ dryRun: false }), report: report() });
    expect(restoreReportProblems(result, restoreReportOf(result), 2)).toEqual([]);
  });

  it('names objects not written, not verified or failed', () => {
    const partial = report({
      written: 1,
      verified: 0,
      failed: 1,
      failures: [{ key: objects[1]!.key, reason: 'SHA-256 mismatch after writing' }],
    });
    const result = succeeded({ report: partial });
    expect(restoreReportProblems(result, restoreReportOf(result), 2)).toEqual([
      'wrote 1 objects, 2 were deleted',
      'verified 0 of the 1 objects written',
      `1 objects failed: ${objects[1]!.key}: SHA-256 mismatch after writing`,
    ]);
  });

  it('says so when the restore was refused', () => {
    const refused: ExecutionResult = {
      workflow: 'restore',
      status: 'FAILED',
      error: 'RestoreConflictError',
      cause: 'different data',
      durationMs: 1,
      timeline: [],
    };
    expect(restoreReportProblems(refused, restoreReportOf(refused), 2)).toEqual([
      'no restore report: execution FAILED with RestoreConflictError: different data',
    ]);
  });
});
