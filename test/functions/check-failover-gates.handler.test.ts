import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-failover-gates.handler.ts';
import { writeAuditRecord } from '../../functions/core/audit/audit-trail.ts';
import { OBJECT_EVENT_FORMAT } from '../../functions/core/dr/replication/object-event.ts';
import { recordPending } from '../../functions/core/dr/replication/pending-journal.ts';
import { PRIMARY_POOLS_VARIABLE } from './core/dr/failover/primary-pools.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';
import { TEST_CLUSTER, useSimulatedCluster } from './support/simulators.ts';

const BUCKETS = ['market-data', 'reference-data'];
const event = { failoverId: '20260302T060000Z-a1b2c3', mode: 'drill', force: false };

describe('check-failover-gates handler', () => {
  const dynamo = useLocalDynamoDb();
  // The DR cluster at standby size: kube-sim behind aws-sim's EKS, groups able to grow to the primary's sizes.
  const dr = useSimulatedCluster(
    () => ({}),
    () => ({}),
    () => [
      {
        name: 'system',
        instanceTypes: ['m6i.large'],
        capacityType: 'ON_DEMAND',
        minSize: 1,
        maxSize: 4,
        desiredSize: 1,
      },
      {
        name: 'compute',
        instanceTypes: ['c6i.2xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        maxSize: 8,
        desiredSize: 0,
      },
    ],
  );
  const ecr = mockClient(ECRClient);
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    BACKUP_SOURCE_BUCKETS: BUCKETS.join(','),
    DR_REGION: 'eu-central-1',
    DR_CLUSTER_NAME: TEST_CLUSTER,
    AWS_ENDPOINT_URL_EKS: dr.environment().AWS_ENDPOINT_URL_EKS!,
    PROVISION_NODE_GROUPS: PRIMARY_POOLS_VARIABLE,
    DR_RPO_SECONDS: '300',
  }));

  beforeAll(async () => {
    const table = { dynamoDb: dynamo.client(), tableName: OPS_TABLE };
    for (const bucket of BUCKETS) {
      await writeAuditRecord(table, {
        workflow: 'verify-backup',
        action: 'record-verdict',
        target: `${bucket}@20260301T020000Z-5a5a5a50`,
        decision: 'SUCCESSFUL',
        after: {
          sourceBucket: bucket,
          runId: '20260301T020000Z-5a5a5a50',
          status: 'SUCCESSFUL',
          reasons: [],
        },
        actor: 'schedule',
        at: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      });
    }
  });
  beforeEach(() => {
    ecr.reset();
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['pinned'] }] });
  });

  it('returns every verdict and PASSED when the DR side is ready', async () => {
    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ failoverId: event.failoverId, mode: 'drill', force: false });
    expect(result.verdicts.map(({ gate, passed }) => [gate, passed])).toEqual([
      ['replication-lag', true],
      ['last-verify-backup', true],
      ['dr-cluster-reachable', true],
      ['dr-node-groups-capacity', true],
      ['images-in-dr-region', true],
    ]);
    expect(result.decision).toMatchObject({ status: 'PASSED', failedGates: [], approvalRequired: false });
  });

  it('returns FAILED naming the gates when replication lags and an image is missing, FORCED when forced', async () => {
    await recordPending({ dynamoDb: dynamo.client(), tableName: OPS_TABLE }, [
      {
        format: OBJECT_EVENT_FORMAT,
        bucket: 'market-data',
        key: 'ticks/late.parquet',
        change: 'created',
        eventName: 's3:ObjectCreated:Put',
        eventTime: new Date(Date.now() - 900_000).toISOString(),
        sequencer: '0',
      },
    ]);
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'quay/minio/minio' })
      .rejects(Object.assign(new Error('tag not found'), { name: 'ImageNotFoundException' }));

    const failed = await handler(event, lambdaContext());
    const forced = await handler({ ...event, force: true }, lambdaContext());

    expect(failed.decision).toMatchObject({
      status: 'FAILED',
      failedGates: ['replication-lag', 'images-in-dr-region'],
    });
    expect(failed.verdicts[0]?.detail).toContain('market-data/ticks/late.parquet');
    expect(forced.decision).toMatchObject({ status: 'FORCED', approvalRequired: true });
  });

  it('refuses an event without a valid failover id, naming the field', async () => {
    await expectFailure(
      handler({ ...event, failoverId: 'latest' }, lambdaContext()),
      'InvalidInputError',
      'failoverId',
    );
  });

  itRefusesEnvironment(
    'DR_NODE_GROUP_SIZES',
    '{"gpu": 1}',
    () => handler(event, lambdaContext()),
    'names pools the primary does not have (gpu)',
  );
});
