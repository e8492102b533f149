import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../functions/commons/errors.ts';
import {
  buildBackupRequest,
  parseBucketList,
  parseCommaList,
} from '../../../../functions/core/backup-workflow/request.ts';

const now = new Date('2026-03-01T02:00:05Z');

describe('buildBackupRequest', () => {
  it('fills in the default buckets, no dry run, the console as requester and one run id', () => {
    const request = buildBackupRequest({}, ['lakehouse-raw', 'lakehouse-curated'], now);
    expect(request).toEqual({
      buckets: ['lakehouse-raw', 'lakehouse-curated'],
      dryRun: false,
      requestedBy: 'console',
      runId: expect.stringMatching(/^20260301T020005000Z-[0-9a-f]{8}$/),
      startedAt: '2026-03-01T02:00:05.000Z',
    });
  });

  it('takes the requested buckets once each, and an empty input as {}', () => {
    expect(
      buildBackupRequest({ buckets: ['b-one', 'b-one', 'b-two'], dryRun: true }, ['x-y-z'], now),
    ).toMatchObject({ buckets: ['b-one', 'b-two'], dryRun: true });
    expect(buildBackupRequest(null, ['x-y-z'], now).buckets).toEqual(['x-y-z']);
  });

  it('rejects a mistyped key and a bad bucket name, naming each problem', () => {
    const attempt = () => buildBackupRequest({ dryrun: true, buckets: ['Not_A_Bucket'] }, ['x-y-z'], now);
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(/buckets\[0\]: expected an S3 bucket name/);
    expect(attempt).toThrow(/dryrun: unknown key/);
  });

  it('rejects an empty bucket list instead of backing up nothing', () => {
    expect(() => buildBackupRequest({ buckets: [] }, ['x-y-z'], now)).toThrow(/at least one bucket/);
  });
});

describe('parseBucketList', () => {
  it('splits, trims and validates the environment list', () => {
    expect(parseBucketList(' lakehouse-raw , lakehouse-curated,')).toEqual([
      'lakehouse-raw',
      'lakehouse-curated',
    ]);
    expect(() => parseBucketList('UPPER')).toThrow(/not a valid S3 bucket name/);
    expect(() => parseCommaList(' , ', 'namespace list')).toThrow(/namespace list " , " is empty/);
  });
});
