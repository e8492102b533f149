import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { handler } from '../../functions/switch-traffic.handler.ts';
import { type AwsSim, startAwsSim } from '../../local/aws-sim/server.ts';
import { platformHostedZone } from '../../local/lakehouse/dr-side.ts';
import { DNS, localTrafficSettings, SERVICES } from './core/dr/traffic/local-traffic.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const ZONE_ID = 'ZLOCALPLATFORM';
const context = lambdaContext('switch-traffic');

describe('switch-traffic handler', () => {
  const dynamo = useLocalDynamoDb();
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startAwsSim({ hostedZones: [{ ...platformHostedZone(DNS), id: ZONE_ID }] });
  });
  afterAll(() => sim.stop());
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    AWS_ENDPOINT_URL_ROUTE_53: sim.url,
    AWS_MAX_ATTEMPTS: '1',
    DR_TRAFFIC: JSON.stringify(localTrafficSettings(DNS, ZONE_ID)),
  }));
  const target = (name: string) => sim.route53.resolve(name, 'CNAME').records[0]?.values?.[0];

  it('switches a drill to DR and back, looking at the change once per call', async () => {
    const drill = { failoverId: '20260301T020000Z-d1d1d1', mode: 'drill' } as const;
    await expectFailure(handler({ ...drill, direction: 'to-dr' }, context), 'DnsChangeNotInSyncError');
    await expect(handler({ ...drill, direction: 'to-dr' }, context)).resolves.toMatchObject({
      changed: false,
      insync: true,
      records: SERVICES.map((service) => ({
        name: DNS.drillRecords[service],
        before: DNS.primaryTargets[service],
        after: DNS.drTargets[service],
      })),
    });
    expect(SERVICES.map((service) => target(DNS.drillRecords[service]))).toEqual(
      SERVICES.map((service) => DNS.drTargets[service]),
    );
    expect(SERVICES.map((service) => target(DNS.records[service]))).toEqual(
      SERVICES.map((service) => DNS.primaryTargets[service]),
    );

    await expectFailure(handler({ ...drill, direction: 'to-primary' }, context), 'DnsChangeNotInSyncError');
    await expect(handler({ ...drill, direction: 'to-primary' }, context)).resolves.toMatchObject({
      changed: false,
      insync: true,
    });
    expect(SERVICES.map((service) => target(DNS.drillRecords[service]))).toEqual(
      SERVICES.map((service) => DNS.primaryTargets[service]),
    );
  });

  it('refuses a direction it does not know, naming both', async () => {
    await expectFailure(
      handler({ failoverId: '20260301T020000Z-d1d1d1', direction: 'sideways', mode: 'real' }, context),
      'InvalidInputError',
      'to-dr',
      'to-primary',
    );
  });

  itRefusesEnvironment('DR_TRAFFIC', '{"hostedZoneId": "Z1", "records": []}', () =>
    handler({ failoverId: '20260301T020000Z-d1d1d1', direction: 'to-dr', mode: 'real' }, context),
  );

  describe('the Route 53 calls it makes', () => {
    let route53: AwsClientStub<Route53Client>;
    beforeAll(() => {
      route53 = mockClient(Route53Client);
    });
    afterAll(() => route53.restore());

    it('reads each record, checks the DR health checks, UPSERTs the moving ones in one batch, and asks for the change', async () => {
      const settings = localTrafficSettings(DNS, ZONE_ID, { prefectApi: 'hc-prefect-api' });
      vi.stubEnv('DR_TRAFFIC', JSON.stringify(settings));
      route53.reset();
      route53.on(ListResourceRecordSetsCommand).callsFake((input: { StartRecordName: string }) => ({
        ResourceRecordSets: [
          {
            Name: input.StartRecordName,
            Type: 'CNAME',
            TTL: 60,
            ResourceRecords: [
              {
                Value:
                  input.StartRecordName === DNS.records.objectStore
                    ? DNS.drTargets.objectStore
                    : DNS.primaryTargets.prefectApi,
              },
            ],
          },
        ],
      }));
      route53.on(GetHealthCheckStatusCommand).resolves({
        HealthCheckObservations: [{ StatusReport: { Status: 'Success: HTTP Status Code 200, OK' } }],
      });
      route53.on(ChangeResourceRecordSetsCommand).resolves({
        ChangeInfo: { Id: '/change/C123', Status: 'PENDING', SubmittedAt: new Date() },
      });
      route53.on(GetChangeCommand).resolves({
        ChangeInfo: { Id: '/change/C123', Status: 'INSYNC', SubmittedAt: new Date() },
      });

      const outcome = await handler(
        { failoverId: '20260301T020000Z-a0a0a0', direction: 'to-dr', mode: 'real' },
        context,
      );

      expect(outcome).toMatchObject({ changed: true, insync: true, changeId: '/change/C123' });
      expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 6);
      expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
        HostedZoneId: ZONE_ID,
        StartRecordName: DNS.records.prefectApi,
        StartRecordType: 'CNAME',
        MaxItems: 1,
      });
      expect(route53).toHaveReceivedCommandWith(GetHealthCheckStatusCommand, {
        HealthCheckId: 'hc-prefect-api',
      });
      expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
      expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
        HostedZoneId: ZONE_ID,
        ChangeBatch: {
          Comment: 'lakehouse-ops real to-dr for failover 20260301T020000Z-a0a0a0 in test',
          // The object store already pointed at DR: only the two others move.
          Changes: (['prefectApi', 'prefectUi'] as const).map((service) => ({
            Action: 'UPSERT' as const,
            ResourceRecordSet: {
              Name: DNS.records[service],
              Type: 'CNAME' as const,
              TTL: 60,
              ResourceRecords: [{ Value: DNS.drTargets[service] }],
            },
          })),
        },
      });
      expect(route53).toHaveReceivedCommandWith(GetChangeCommand, { Id: '/change/C123' });
    });
  });
});
