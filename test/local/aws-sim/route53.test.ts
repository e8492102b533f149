import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  GetHostedZoneCommand,
  HealthCheckAlreadyExists,
  HealthCheckInUse,
  InvalidChangeBatch,
  InvalidInput,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  NoSuchChange,
  NoSuchHealthCheck,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const ZONE_ID = 'ZLAKEHOUSE0001';
const ZONE = 'local.lakehouse.internal.';
const API = `prefect-api.${ZONE}`;
const PRIMARY_API = 'prefect-api.eu-central-1.lakehouse.internal.';
const DR_API = 'prefect-api.eu-west-1.lakehouse.internal.';

const cname = (name: string, value: string, ttl = 60) => ({
  Name: name,
  Type: 'CNAME' as const,
  TTL: ttl,
  ResourceRecords: [{ Value: value }],
});

describe('Route53Simulator', () => {
  let sim: AwsSim;
  let route53: Route53Client;

  beforeEach(async () => {
    sim = await startAwsSim({
      hostedZones: [
        {
          id: ZONE_ID,
          name: 'local.lakehouse.internal',
          records: [{ name: API, type: 'CNAME', ttl: 60, values: [PRIMARY_API] }],
        },
      ],
    });
    // The real SDK client, pointed at aws-sim the way AWS_ENDPOINT_URL_ROUTE_53 points the handlers.
    route53 = new Route53Client({
      region: 'us-east-1',
      endpoint: sim.url,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    route53?.destroy();
    await sim?.stop();
  });

  const change = (...changes: Change[]) =>
    route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: `/hostedzone/${ZONE_ID}`,
        ChangeBatch: { Comment: 'test', Changes: changes },
      }),
    );
  const records = async () =>
    (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE_ID }))).ResourceRecordSets ??
    [];

  describe('hosted zones', () => {
    it('starts each seeded zone with its SOA and NS records and lists it', async () => {
      const zone = await route53.send(new GetHostedZoneCommand({ Id: ZONE_ID }));
      expect(zone.HostedZone).toMatchObject({
        Id: `/hostedzone/${ZONE_ID}`,
        Name: ZONE,
        Config: { PrivateZone: true },
        ResourceRecordSetCount: 3,
      });
      const listed = await route53.send(new ListHostedZonesCommand({}));
      expect(listed.HostedZones?.map((candidate) => candidate.Name)).toEqual([ZONE]);
      expect((await records()).map((record) => `${record.Name} ${record.Type}`)).toEqual([
        `${ZONE} NS`,
        `${ZONE} SOA`,
        `${API} CNAME`,
      ]);
    });

    it('answers NoSuchHostedZone (404) for a zone that does not exist', async () => {
      const error = await route53.send(new GetHostedZoneCommand({ Id: 'ZMISSING' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchHostedZone);
      expect(error).toMatchObject({
        message: 'No hosted zone found with ID: ZMISSING',
        $metadata: { httpStatusCode: 404 },
      });
    });
  });

  describe('ChangeResourceRecordSets', () => {
    it('UPSERTs a record, answers PENDING, then INSYNC on the second GetChange', async () => {
      const submitted = await change({ Action: 'UPSERT', ResourceRecordSet: cname(API, DR_API) });
      expect(submitted.ChangeInfo).toMatchObject({ Status: 'PENDING', Comment: 'test' });
      expect(submitted.ChangeInfo?.Id).toMatch(/^\/change\/C[0-9A-F]{13}$/);
      expect(submitted.ChangeInfo?.SubmittedAt).toBeInstanceOf(Date);

      const polls: (string | undefined)[] = [];
      for (let poll = 0; poll < 3; poll += 1)
        polls.push(
          (await route53.send(new GetChangeCommand({ Id: submitted.ChangeInfo!.Id }))).ChangeInfo?.Status,
        );
      expect(polls).toEqual(['PENDING', 'INSYNC', 'INSYNC']);
      expect((await records()).find((record) => record.Name === API)?.ResourceRecords).toEqual([
        { Value: DR_API },
      ]);
      expect(sim.route53.resolve(API).chain).toEqual([API, DR_API]);
    });

    it('refuses a CREATE of an existing record with InvalidChangeBatch, in the real message shape', async () => {
      const error = await change({ Action: 'CREATE', ResourceRecordSet: cname(API, DR_API) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidChangeBatch);
      expect(error).toMatchObject({
        name: 'InvalidChangeBatch',
        message: `[Tried to create resource record set [name='${API}', type='CNAME'] but it already exists]`,
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('refuses a DELETE of a missing record and of one whose values differ', async () => {
      const missing = await change({
        Action: 'DELETE',
        ResourceRecordSet: cname(`ui.${ZONE}`, PRIMARY_API),
      }).catch((e: unknown) => e);
      expect(missing).toMatchObject({
        name: 'InvalidChangeBatch',
        message: `[Tried to delete resource record set [name='ui.${ZONE}', type='CNAME'] but it was not found]`,
      });
      const different = await change({
        Action: 'DELETE',
        ResourceRecordSet: cname(API, PRIMARY_API, 300),
      }).catch((e: unknown) => e);
      expect(different).toMatchObject({
        name: 'InvalidChangeBatch',
        message: `[Tried to delete resource record set [name='${API}', type='CNAME'] but the values provided do not match the current values]`,
      });
      await change({ Action: 'DELETE', ResourceRecordSet: cname(API.toUpperCase(), PRIMARY_API) });
      expect((await records()).map((record) => record.Type)).toEqual(['NS', 'SOA']);
    });

    it('applies a batch whole or not at all, reporting every invalid change', async () => {
      const error = await change(
        { Action: 'UPSERT', ResourceRecordSet: cname(`ui.${ZONE}`, DR_API) },
        { Action: 'CREATE', ResourceRecordSet: cname(API, DR_API) },
        { Action: 'UPSERT', ResourceRecordSet: cname('prefect-api.elsewhere.internal.', DR_API) },
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'InvalidChangeBatch',
        message:
          `[Tried to create resource record set [name='${API}', type='CNAME'] but it already exists, ` +
          `RRSet with DNS name prefect-api.elsewhere.internal. is not permitted in zone ${ZONE}]`,
      });
      expect((await records()).map((record) => record.Name)).not.toContain(`ui.${ZONE}`);
      expect(sim.route53.submittedChanges).toHaveLength(0);
    });

    it('lets a later change in the batch see an earlier one (DELETE then CREATE replaces)', async () => {
      await change(
        { Action: 'DELETE', ResourceRecordSet: cname(API, PRIMARY_API) },
        { Action: 'CREATE', ResourceRecordSet: cname(API, DR_API, 30) },
      );
      expect((await records()).find((record) => record.Name === API)).toMatchObject({
        TTL: 30,
        ResourceRecords: [{ Value: DR_API }],
      });
    });

    it('refuses a CNAME next to other types at one name, and a record without TTL or alias', async () => {
      const conflict = await change({
        Action: 'CREATE',
        ResourceRecordSet: { Name: API, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] },
      }).catch((e: unknown) => e);
      expect(conflict).toMatchObject({
        name: 'InvalidChangeBatch',
        message: expect.stringContaining('conflicts'),
      });
      const incomplete = await change({
        Action: 'CREATE',
        ResourceRecordSet: { Name: `s3.${ZONE}`, Type: 'A', ResourceRecords: [{ Value: '10.0.0.1' }] },
      }).catch((e: unknown) => e);
      expect(incomplete).toBeInstanceOf(InvalidInput);
      expect((incomplete as Error).message).toContain(
        'Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]]',
      );
    });

    it('keeps SOA and the apex NS records', async () => {
      const [ns] = (await records()).filter((record) => record.Type === 'NS');
      const error = await change({ Action: 'DELETE', ResourceRecordSet: ns! }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'InvalidChangeBatch',
        message: '[A HostedZone must contain at least one NS record for the zone itself.]',
      });
    });

    it('answers NoSuchChange for an unknown change id', async () => {
      const error = await route53.send(new GetChangeCommand({ Id: 'CUNKNOWN' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchChange);
    });
  });

  describe('ListResourceRecordSets', () => {
    it('orders by reversed labels then type, and pages from a start name and type', async () => {
      await change(
        { Action: 'CREATE', ResourceRecordSet: cname(`b.${ZONE}`, DR_API) },
        { Action: 'CREATE', ResourceRecordSet: cname(`a.b.${ZONE}`, DR_API) },
        {
          Action: 'CREATE',
          ResourceRecordSet: { Name: `z.${ZONE}`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"x"' }] },
        },
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: `z.${ZONE}`,
            Type: 'A',
            TTL: 60,
            ResourceRecords: [{ Value: '10.0.0.2' }],
          },
        },
      );
      const order = (await records()).map((record) => `${record.Name?.replace(ZONE, '')} ${record.Type}`);
      expect(order).toEqual([
        ' NS',
        ' SOA',
        'b. CNAME',
        'a.b. CNAME',
        'prefect-api. CNAME',
        'z. A',
        'z. TXT',
      ]);

      const first = await route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: ZONE_ID,
          StartRecordName: `b.${ZONE}`,
          MaxItems: 2,
        }),
      );
      expect(first.ResourceRecordSets?.map((record) => record.Name)).toEqual([`b.${ZONE}`, `a.b.${ZONE}`]);
      expect(first).toMatchObject({
        IsTruncated: true,
        NextRecordName: API,
        NextRecordType: 'CNAME',
        MaxItems: 2,
      });
      const fromType = await route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: ZONE_ID,
          StartRecordName: `z.${ZONE}`,
          StartRecordType: 'TXT',
        }),
      );
      expect(fromType.ResourceRecordSets?.map((record) => record.Type)).toEqual(['TXT']);
      expect(fromType.IsTruncated).toBe(false);
    });
  });

  describe('health checks', () => {
    let target: Server;
    let port: number;
    let answer = 200;

    beforeAll(async () => {
      target = createServer((_request, response) => {
        response.statusCode = answer;
        response.end(answer === 200 ? 'prefect ok' : 'down');
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      port = (target.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

    const create = (
      reference: string,
      path = '/api/health',
      type: 'HTTP' | 'HTTP_STR_MATCH' | 'TCP' = 'HTTP',
    ) =>
      route53.send(
        new CreateHealthCheckCommand({
          CallerReference: reference,
          HealthCheckConfig: {
            Type: type,
            IPAddress: '127.0.0.1',
            Port: port,
            ...(type === 'TCP' ? {} : { ResourcePath: path }),
            ...(type === 'HTTP_STR_MATCH' ? { SearchString: 'prefect ok' } : {}),
            RequestInterval: 10,
            FailureThreshold: 1,
          },
        }),
      );
    const statuses = async (id: string) =>
      (
        await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }))
      ).HealthCheckObservations?.map((observation) => observation.StatusReport?.Status);

    it('probes the target over HTTP on every GetHealthCheckStatus', async () => {
      answer = 200;
      const created = await create('dr-prefect-api');
      const id = created.HealthCheck!.Id!;
      expect(created.HealthCheck).toMatchObject({ CallerReference: 'dr-prefect-api', HealthCheckVersion: 1 });
      expect(created.Location).toBe(`/2013-04-01/healthcheck/${id}`);
      expect(await statuses(id)).toEqual(Array(3).fill('Success: HTTP Status Code 200, OK'));
      answer = 503;
      expect(await statuses(id)).toEqual(Array(3).fill('Failure: HTTP Status Code 503, Service Unavailable'));
      expect(sim.route53.lastProbe(id)?.healthy).toBe(false);
    });

    it('reports a refused connection and matches a search string', async () => {
      answer = 200;
      const matching = await create('match', '/', 'HTTP_STR_MATCH');
      expect((await statuses(matching.HealthCheck!.Id!))?.[0]).toMatch(/^Success: .*Search string found/);
      const tcp = await create('tcp', '/', 'TCP');
      expect((await statuses(tcp.HealthCheck!.Id!))?.[0]).toBe('Success: TCP connection established.');

      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const refused = await route53.send(
        new CreateHealthCheckCommand({
          CallerReference: 'refused',
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: closedPort, ResourcePath: '/' },
        }),
      );
      expect((await statuses(refused.HealthCheck!.Id!))?.[0]).toMatch(/^Failure: Connection refused/);
    });

    it('returns the existing check for a repeated caller reference, refuses other settings under it', async () => {
      const first = await create('same');
      const again = await create('same');
      expect(again.HealthCheck?.Id).toBe(first.HealthCheck?.Id);
      const error = await create('same', '/other').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HealthCheckAlreadyExists);
    });

    it('refuses targets beyond loopback and TLS checks it cannot probe', async () => {
      const remote = await route53
        .send(
          new CreateHealthCheckCommand({
            CallerReference: 'remote',
            HealthCheckConfig: { Type: 'HTTP', IPAddress: '10.1.2.3', Port: 80 },
          }),
        )
        .catch((e: unknown) => e);
      expect(remote).toBeInstanceOf(InvalidInput);
      expect((remote as Error).message).toContain('loopback targets only');
      const tls = await route53
        .send(
          new CreateHealthCheckCommand({
            CallerReference: 'tls',
            HealthCheckConfig: { Type: 'HTTPS', IPAddress: '127.0.0.1', Port: 443 },
          }),
        )
        .catch((e: unknown) => e);
      expect((tls as Error).message).toContain('not HTTPS');
    });

    it('describes and deletes a check, unless a record set still uses it', async () => {
      const created = await create('deletable');
      const id = created.HealthCheck!.Id!;
      expect(
        (await route53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig,
      ).toMatchObject({
        Type: 'HTTP',
        Port: port,
        ResourcePath: '/api/health',
      });
      await change({ Action: 'UPSERT', ResourceRecordSet: { ...cname(API, DR_API), HealthCheckId: id } });
      const inUse = await route53
        .send(new DeleteHealthCheckCommand({ HealthCheckId: id }))
        .catch((e: unknown) => e);
      expect(inUse).toBeInstanceOf(HealthCheckInUse);
      await change({ Action: 'UPSERT', ResourceRecordSet: cname(API, DR_API) });
      await route53.send(new DeleteHealthCheckCommand({ HealthCheckId: id }));
      const gone = await route53
        .send(new GetHealthCheckCommand({ HealthCheckId: id }))
        .catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(NoSuchHealthCheck);
    });
  });

  describe('resolve', () => {
    it('follows CNAMEs through the zones to the record of the asked type', async () => {
      await change(
        { Action: 'UPSERT', ResourceRecordSet: cname(API, `lb.${ZONE}`) },
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: `lb.${ZONE}`,
            Type: 'A',
            TTL: 60,
            ResourceRecords: [{ Value: '10.0.0.9' }],
          },
        },
      );
      const resolution = sim.route53.resolve('PREFECT-API.local.lakehouse.internal');
      expect(resolution.chain).toEqual([API, `lb.${ZONE}`]);
      expect(resolution.records[0]?.values).toEqual(['10.0.0.9']);
      expect(sim.route53.resolve(`missing.${ZONE}`)).toEqual({
        name: `missing.${ZONE}`,
        chain: [`missing.${ZONE}`],
        records: [],
      });
    });

    it('stops at a CNAME loop instead of spinning', async () => {
      await change(
        { Action: 'UPSERT', ResourceRecordSet: cname(API, `loop.${ZONE}`) },
        { Action: 'CREATE', ResourceRecordSet: cname(`loop.${ZONE}`, API) },
      );
      expect(() => sim.route53.resolve(API)).toThrow(/more than 8 CNAMEs/);
    });
  });
});
