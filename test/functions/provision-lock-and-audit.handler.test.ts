import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as acquire } from '../../functions/acquire-provision-lock.handler.ts';
import { auditPartitionKey, executionAuditSortKey } from '../../functions/core/audit/audit-trail.ts';
import type { ProvisionPlan } from '../../functions/core/provision/plan.ts';
import { handler as recordAudit } from '../../functions/record-provision-audit.handler.ts';
import { handler as release } from '../../functions/release-provision-lock.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { rejectionOf } from './support/rejection.ts';

const CLUSTER = 'lakehouse-development';

const plan: ProvisionPlan = {
  environment: 'development',
  cluster: CLUSTER,
  components: ['prefect'],
  dryRun: false,
  requestedBy: 'alice@example.com',
  nodeGroups: false,
  buckets: false,
  stages: [{ name: '50-prefect', objectCount: 9 }],
};

describe('acquire-provision-lock, release-provision-lock and record-provision-audit handlers', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    ENVIRONMENT_NAME: 'development',
    PROVISION_LOCK_TTL_SECONDS: '11700',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
  }));

  it('lets one execution provision the cluster at a time and hands the lease back on release', async () => {
    const lease = await acquire({ cluster: CLUSTER, owner: 'run-a' }, lambdaContext());
    expect(lease).toMatchObject({ scope: 'provision', name: CLUSTER, owner: 'run-a' });
    expect(lease.expiresAt - Math.floor(Date.parse(lease.acquiredAt) / 1000)).toBe(11700);

    const refused = await rejectionOf(acquire({ cluster: CLUSTER, owner: 'run-b' }, lambdaContext()));
    expect(refused).toMatchObject({
      name: 'LockHeldError',
      message: expect.stringContaining('held by run-a'),
    });
    // Another cluster (the DR side) is not blocked.
    await expect(
      acquire({ cluster: 'lakehouse-dr', owner: 'run-b' }, lambdaContext()),
    ).resolves.toMatchObject({ owner: 'run-b' });

    expect(await release({ cluster: CLUSTER, owner: 'run-b' }, lambdaContext())).toMatchObject({
      released: false,
      heldBy: 'run-a',
    });
    expect(await release({ cluster: CLUSTER, owner: 'run-a' }, lambdaContext())).toMatchObject({
      released: true,
    });
    await expect(acquire({ cluster: CLUSTER, owner: 'run-b' }, lambdaContext())).resolves.toMatchObject({
      owner: 'run-b',
    });
  });

  it('refuses a lock event that names no cluster', async () => {
    const error = await rejectionOf(acquire({ owner: 'run-a' }, lambdaContext()));
    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('cluster') });
  });

  it('records the request and the report once per execution, and refuses a different outcome for it', async () => {
    const report = { status: 'PROVISIONED', summary: { created: 9, changed: 0, unchanged: 0 } };
    const event = { plan, report, executionId: 'run-a' };

    const written = await recordAudit(event, lambdaContext());
    expect(written).toMatchObject({
      pk: auditPartitionKey('provision', CLUSTER),
      sk: executionAuditSortKey('run-a', 'provision'),
      alreadyRecorded: false,
    });
    // A retried step writes the same record again: accepted, not duplicated.
    expect(await recordAudit(event, lambdaContext())).toMatchObject({ alreadyRecorded: true });

    const item = await dynamo
      .client()
      .send(
        new GetItemCommand({ TableName: OPS_TABLE, Key: { pk: { S: written.pk }, sk: { S: written.sk } } }),
      );
    expect(item.Item).toMatchObject({
      decision: { S: 'PROVISIONED' },
      actor: { S: 'alice@example.com' },
    });
    expect(JSON.parse(item.Item!.before!.S!)).toEqual({
      environment: 'development',
      components: ['prefect'],
      dryRun: false,
      stages: ['50-prefect'],
    });
    expect(JSON.parse(item.Item!.after!.S!)).toEqual(report);

    const conflict = await rejectionOf(
      recordAudit({ ...event, report: { ...report, status: 'FAILED' } }, lambdaContext()),
    );
    expect(conflict).toMatchObject({ name: 'AuditRecordConflictError' });
  });
});
