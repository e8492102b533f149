import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { route53TrafficDns } from '../../../../../functions/core/dr/traffic/route53-dns.ts';
import { expectFailure } from '../../../support/rejection.ts';

const route53Mock = mockClient(Route53Client);
const dns = () => route53TrafficDns(new Route53Client({ region: 'us-east-1' }));
const ZONE = 'Z0123456789';
const API = 'prefect-api.staging.lakehouse.internal.';

describe('route53TrafficDns', () => {
  beforeEach(() => route53Mock.reset());

  describe('read', () => {
    it('lists one record from the name and type and returns its values', async () => {
      route53Mock.on(ListResourceRecordSetsCommand).resolves({
        ResourceRecordSets: [
          { Name: API, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'lb.eu-central-1.internal' }] },
        ],
        IsTruncated: true,
        MaxItems: 1,
      });
      const record = await dns().read(ZONE, {
        name: 'Prefect-API.staging.lakehouse.internal',
        type: 'CNAME',
      });
      expect(route53Mock).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
        HostedZoneId: ZONE,
        StartRecordName: API,
        StartRecordType: 'CNAME',
        MaxItems: 1,
      });
      expect(record).toEqual({
        name: API,
        type: 'CNAME',
        target: { ttl: 60, values: ['lb.eu-central-1.internal'] },
      });
    });

    it('returns undefined when the first listed record is another name or a policy-routed one', async () => {
      route53Mock
        .on(ListResourceRecordSetsCommand)
        .resolvesOnce({
          ResourceRecordSets: [
            { Name: `z.${API}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x' }] },
          ],
          IsTruncated: false,
          MaxItems: 1,
        })
        .resolvesOnce({
          ResourceRecordSets: [
            {
              Name: API,
              Type: 'CNAME',
              SetIdentifier: 'primary',
              Failover: 'PRIMARY',
              TTL: 60,
              ResourceRecords: [{ Value: 'x' }],
            },
          ],
          IsTruncated: false,
          MaxItems: 1,
        });
      expect(await dns().read(ZONE, { name: API, type: 'CNAME' })).toBeUndefined();
      expect(await dns().read(ZONE, { name: API, type: 'CNAME' })).toBeUndefined();
    });

    it('reads an alias target', async () => {
      route53Mock.on(ListResourceRecordSetsCommand).resolves({
        ResourceRecordSets: [
          {
            Name: API,
            Type: 'A',
            AliasTarget: { HostedZoneId: 'ZLB', DNSName: 'lb.internal.', EvaluateTargetHealth: true },
          },
        ],
        IsTruncated: false,
        MaxItems: 1,
      });
      expect((await dns().read(ZONE, { name: API, type: 'A' }))?.target).toEqual({
        alias: { hostedZoneId: 'ZLB', dnsName: 'lb.internal.', evaluateTargetHealth: true },
      });
    });

    it('turns throttling into a TransientError naming the call', async () => {
      route53Mock.on(ListResourceRecordSetsCommand).rejects(
        Object.assign(new Error('Rate exceeded'), {
          name: 'Throttling',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      await expectFailure(
        dns().read(ZONE, { name: API, type: 'CNAME' }),
        'TransientError',
        'route53:ListResourceRecordSets',
      );
    });
  });

  it('upserts every record in one change batch with its comment and returns the change id', async () => {
    route53Mock.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() },
    });
    const changeId = await dns().upsert(
      ZONE,
      [
        {
          name: 'prefect-api.staging.lakehouse.internal',
          type: 'CNAME',
          target: { ttl: 60, values: ['lb.dr.internal'] },
        },
        {
          name: 'prefect-ui.staging.lakehouse.internal.',
          type: 'A',
          target: {
            alias: { hostedZoneId: 'ZLB', dnsName: 'ui-lb.dr.internal.', evaluateTargetHealth: false },
          },
        },
      ],
      'dr-failover by ops: region lost',
    );
    expect(changeId).toBe('/change/C1');
    expect(route53Mock).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(route53Mock).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: 'dr-failover by ops: region lost',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: API,
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: 'lb.dr.internal' }],
            },
          },
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'prefect-ui.staging.lakehouse.internal.',
              Type: 'A',
              AliasTarget: {
                HostedZoneId: 'ZLB',
                DNSName: 'ui-lb.dr.internal.',
                EvaluateTargetHealth: false,
              },
            },
          },
        ],
      },
    });
  });

  it('reads a change status and the health checkers reports', async () => {
    route53Mock
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({
        ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() },
      });
    route53Mock.on(GetHealthCheckStatusCommand).resolves({
      HealthCheckObservations: [
        { Region: 'eu-west-1', StatusReport: { Status: 'Success: HTTP Status Code 200, OK' } },
        { Region: 'us-east-1', StatusReport: { Status: 'Failure: Connection refused' } },
      ],
    });
    expect([await dns().changeStatus('/change/C1'), await dns().changeStatus('/change/C1')]).toEqual([
      'PENDING',
      'INSYNC',
    ]);
    expect(await dns().healthReports('hc-1')).toEqual([
      'Success: HTTP Status Code 200, OK',
      'Failure: Connection refused',
    ]);
    expect(route53Mock).toHaveReceivedCommandWith(GetHealthCheckStatusCommand, { HealthCheckId: 'hc-1' });
  });
});
