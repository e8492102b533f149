import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../functions/commons/errors.ts';
import type { DnsRecord } from '../../../../../functions/core/dr/traffic/records.ts';
import { route53TrafficDns, type TrafficDns } from '../../../../../functions/core/dr/traffic/route53-dns.ts';
import {
  describeSwitch,
  readRecords,
  switchRecords,
  waitForChangeInSync,
  waitForHealthy,
} from '../../../../../functions/core/dr/traffic/switch-records.ts';
import { type AwsSim, startAwsSim } from '../../../../../local/aws-sim/server.ts';
import { expectFailure } from '../../../support/rejection.ts';

const ZONE_ID = 'ZSTAGING';
const ZONE = 'staging.lakehouse.internal.';
const cname = (name: string, value: string): DnsRecord => ({
  name: `${name}.${ZONE}`,
  type: 'CNAME',
  target: { ttl: 60, values: [value] },
});
const PRIMARY = [
  cname('prefect-api', 'api.eu-central-1.internal.'),
  cname('s3', 'minio.eu-central-1.internal.'),
];
const DR = [cname('prefect-api', 'api.eu-west-1.internal.'), cname('s3', 's3.eu-west-1.internal.')];
const instantWait = { timeoutMs: 1_000, pollIntervalMs: 0 };

describe('switchRecords (against the Route 53 simulator)', () => {
  let sim: AwsSim;
  let route53: Route53Client;
  let dns: TrafficDns;

  beforeEach(async () => {
    sim = await startAwsSim({
      hostedZones: [
        {
          id: ZONE_ID,
          name: ZONE,
          records: PRIMARY.map((record) => ({
            name: record.name,
            type: record.type,
            ttl: 60,
            values: 'values' in record.target ? record.target.values : [],
          })),
        },
      ],
    });
    route53 = new Route53Client({
      region: 'us-east-1',
      endpoint: sim.url,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
    dns = route53TrafficDns(route53);
  });
  afterEach(async () => {
    route53?.destroy();
    await sim?.stop();
  });

  const request = (records: readonly DnsRecord[]) => ({
    hostedZoneId: ZONE_ID,
    records,
    comment: 'drill by test',
  });

  it('repoints every record in one change and records where they pointed', async () => {
    const outcome = await switchRecords(dns, request(DR));
    expect(outcome).toMatchObject({ changed: true, switchedNames: DR.map((record) => record.name) });
    expect(outcome.previous).toEqual(PRIMARY);
    expect(sim.route53.submittedChanges).toHaveLength(1);
    expect(sim.route53.submittedChanges[0]?.comment).toBe('drill by test');
    expect(sim.route53.resolve(`prefect-api.${ZONE}`, 'CNAME').records[0]?.values).toEqual([
      'api.eu-west-1.internal.',
    ]);
    expect(await readRecords(dns, ZONE_ID, DR)).toEqual(DR);
    expect(describeSwitch(outcome, request(DR))).toEqual([
      `prefect-api.${ZONE}: api.eu-central-1.internal. -> api.eu-west-1.internal.`,
      `s3.${ZONE}: minio.eu-central-1.internal. -> s3.eu-west-1.internal.`,
    ]);
  });

  it('changes nothing when the records already point at their targets', async () => {
    await switchRecords(dns, request(DR));
    const again = await switchRecords(dns, request(DR));
    expect(again).toEqual({ changed: false, previous: DR, switchedNames: [] });
    expect(sim.route53.submittedChanges).toHaveLength(1);
  });

  it('submits only the records that still point elsewhere', async () => {
    const outcome = await switchRecords(dns, request([PRIMARY[0]!, DR[1]!]));
    expect(outcome.switchedNames).toEqual([`s3.${ZONE}`]);
    expect(sim.route53.submittedChanges[0]?.changes.map((change) => change.record.name)).toEqual([
      `s3.${ZONE}`,
    ]);
  });

  it('is undone by switching to the previous targets', async () => {
    const failover = await switchRecords(dns, request(DR));
    const failback = await switchRecords(dns, request(failover.previous));
    expect(failback.previous).toEqual(DR);
    expect(await readRecords(dns, ZONE_ID, PRIMARY)).toEqual(PRIMARY);
  });

  it('refuses to switch a record the zone does not have, and submits nothing', async () => {
    await expectFailure(
      switchRecords(dns, request([...DR, cname('prefect-ui', 'ui.eu-west-1.internal.')])),
      'DnsRecordMissingError',
      `CNAME record prefect-ui.${ZONE} does not exist in hosted zone ${ZONE_ID}`,
    );
    expect(sim.route53.submittedChanges).toHaveLength(0);
  });

  it('waits for the change to be INSYNC, polling past PENDING', async () => {
    const outcome = await switchRecords(dns, request(DR));
    let polls = 0;
    const counting: TrafficDns = {
      ...dns,
      changeStatus: (id) => {
        polls += 1;
        return dns.changeStatus(id);
      },
    };
    await waitForChangeInSync(counting, outcome.changeId!, instantWait);
    expect(polls).toBe(2);
  });

  it('gives up on a change that stays PENDING with a DnsChangeNotInSyncError (a TransientError)', async () => {
    const outcome = await switchRecords(dns, request(DR));
    let clock = 0;
    const error = await expectFailure(
      waitForChangeInSync(dns, outcome.changeId!, {
        timeoutMs: 0,
        pollIntervalMs: 10,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      }),
      'DnsChangeNotInSyncError',
      'was not INSYNC after 0 ms',
    );
    expect(error).toBeInstanceOf(TransientError);
  });

  describe('waitForHealthy', () => {
    let target: Server;
    let port: number;
    let healthy = false;

    beforeAll(async () => {
      target = createServer((_request, response) => {
        response.statusCode = healthy ? 200 : 503;
        response.end();
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      port = (target.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

    const healthCheck = async () =>
      (
        await route53.send(
          new CreateHealthCheckCommand({
            CallerReference: `dr-api-${Math.random()}`,
            HealthCheckConfig: {
              Type: 'HTTP',
              IPAddress: '127.0.0.1',
              Port: port,
              ResourcePath: '/api/health',
            },
          }),
        )
      ).HealthCheck!.Id!;

    it('waits until the DR target answers its health check', async () => {
      healthy = false;
      const id = await healthCheck();
      let polls = 0;
      await waitForHealthy(dns, [id], {
        timeoutMs: 5_000,
        pollIntervalMs: 0,
        sleep: async () => {
          polls += 1;
          if (polls === 2) healthy = true;
        },
      });
      expect(polls).toBe(2);
      expect(sim.route53.lastProbe(id)?.healthy).toBe(true);
    });

    it('names the unhealthy check and its report when the wait runs out', async () => {
      healthy = false;
      const id = await healthCheck();
      await expectFailure(
        waitForHealthy(dns, [id], { timeoutMs: 0, pollIntervalMs: 0 }),
        'DnsTargetUnhealthyError',
        `${id} (Failure: HTTP Status Code 503, Service Unavailable)`,
      );
    });
  });
});
