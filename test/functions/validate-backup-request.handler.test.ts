import { describe, expect, it } from 'vitest';
import { runStartedAt } from '../../functions/core/backup/layout.ts';
import { handler } from '../../functions/validate-backup-request.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const RUN_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

describe('validate-backup-request handler', () => {
  useHandlerEnvironment(() => ({ BACKUP_SOURCE_BUCKETS: 'lakehouse-raw, lakehouse-curated' }));

  it('fills in the environment default buckets and a run id', async () => {
    expect(await handler({ requestedBy: 'oncall' }, lambdaContext())).toMatchObject({
      buckets: ['lakehouse-raw', 'lakehouse-curated'],
      dryRun: false,
      requestedBy: 'oncall',
      runId: expect.stringMatching(RUN_ID),
    });
  });

  it('takes the buckets of the input once each, and a run id that starts at startedAt', async () => {
    const request = await handler({ buckets: ['market-data', 'market-data'], dryRun: true }, lambdaContext());

    expect(request).toMatchObject({ buckets: ['market-data'], dryRun: true, requestedBy: 'console' });
    expect(runStartedAt(request.runId).getTime()).toBe(Date.parse(request.startedAt));
  });

  it('accepts the empty input a schedule starts the workflow with', async () => {
    await expect(handler(null, lambdaContext())).resolves.toMatchObject({
      buckets: ['lakehouse-raw', 'lakehouse-curated'],
    });
  });

  it('rejects an unknown key as InvalidInputError, naming it', async () => {
    await expectFailure(
      handler({ dryrun: true }, lambdaContext()),
      'InvalidInputError',
      'dryrun: unknown key',
    );
  });

  it('rejects a bucket name S3 could not have, naming its position', async () => {
    await expectFailure(
      handler({ buckets: ['lakehouse-raw', 'Raw_Data'] }, lambdaContext()),
      'InvalidInputError',
      'buckets[1]',
      'expected an S3 bucket name',
    );
  });

  it('rejects an empty bucket list rather than backing up nothing', async () => {
    await expectFailure(
      handler({ buckets: [] }, lambdaContext()),
      'InvalidInputError',
      'at least one bucket',
    );
  });

  itRefusesEnvironment(
    'BACKUP_SOURCE_BUCKETS',
    'lakehouse-raw,Raw_Data',
    () => handler({}, lambdaContext()),
    '"Raw_Data"',
  );

  itRefusesEnvironment('BACKUP_SOURCE_BUCKETS', undefined, () => handler({}, lambdaContext()));
});
