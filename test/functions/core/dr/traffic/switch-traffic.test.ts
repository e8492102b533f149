import type { Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../functions/commons/errors.ts';
import { route53TrafficDns } from '../../../../../functions/core/dr/traffic/route53-dns.ts';
import type { TrafficSettings } from '../../../../../functions/core/dr/traffic/settings.ts';
import {
  readTrafficSwitch,
  saveTrafficSwitch,
} from '../../../../../functions/core/dr/traffic/switch-store.ts';
import {
  type SwitchTrafficRequest,
  switchTraffic,
} from '../../../../../functions/core/dr/traffic/switch-traffic.ts';
import { type AwsSim, startAwsSim } from '../../../../../local/aws-sim/server.ts';
import { platformHostedZone } from '../../../../../local/lakehouse/dr-side.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';
import { expectFailure } from '../../../support/rejection.ts';
import {
  DNS,
  type DrTarget,
  ENVIRONMENT,
  localTrafficSettings,
  route53ClientFor,
  SERVICES,
  startDrTarget,
} from './local-traffic.ts';

const ZONE_ID = 'ZLOCALPLATFORM';
let sequence = 0;
/** A new failover per test: the ops table is shared by the describe. */
const nextFailoverId = () => `20260301T0200${String(sequence++).padStart(2, '0')}Z-a1b2c3`;

describe('switchTraffic (Route 53 simulator, ops table on dynalite)', () => {
  const dynamo = useLocalDynamoDb();
  let sim: AwsSim;
  let route53: Route53Client;
  let drTarget: DrTarget;

  beforeAll(async () => {
    drTarget = await startDrTarget();
  });
  afterAll(() => drTarget.close());
  beforeEach(async () => {
    sim = await startAwsSim({ hostedZones: [{ ...platformHostedZone(DNS), id: ZONE_ID }] });
    route53 = route53ClientFor(sim.url);
  });
  afterEach(async () => {
    route53.destroy();
    await sim.stop();
  });

  const deps = (settings: TrafficSettings = localTrafficSettings(DNS, ZONE_ID)) => ({
    dns: route53TrafficDns(route53),
    table: { dynamoDb: dynamo.client(), tableName: OPS_TABLE },
    settings,
  });
  const target = (name: string) => sim.route53.resolve(name, 'CNAME').records[0]?.values?.[0];
  const productionTargets = () => SERVICES.map((service) => target(DNS.records[service]));
  const drillTargets = () => SERVICES.map((service) => target(DNS.drillRecords[service]));
  const primaryTargets = SERVICES.map((service) => DNS.primaryTargets[service]);
  const drTargets = SERVICES.map((service) => DNS.drTargets[service]);

  /** A switch as the workflow runs it: the first look finds the change PENDING, the retry INSYNC. */
  async function switchUntilInSync(request: SwitchTrafficRequest, settings?: TrafficSettings) {
    await expectFailure(switchTraffic(deps(settings), request), 'DnsChangeNotInSyncError', 'PENDING');
    return switchTraffic(deps(settings), request);
  }

  it('switches the production records to DR in one change, saving where they pointed', async () => {
    const failoverId = nextFailoverId();
    const request = { environment: ENVIRONMENT, failoverId, direction: 'to-dr', mode: 'real' } as const;

    const error = await expectFailure(
      switchTraffic(deps(), request),
      'DnsChangeNotInSyncError',
      `failover ${failoverId} is made`,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(productionTargets()).toEqual(drTargets);
    const retried = await switchTraffic(deps(), request);

    expect(retried).toEqual({
      changed: false,
      insync: true,
      changeId: `/change/${sim.route53.submittedChanges[0]?.id}`,
      records: SERVICES.map((service) => ({
        name: DNS.records[service],
        before: DNS.primaryTargets[service],
        after: DNS.drTargets[service],
      })),
    });
    expect(sim.route53.submittedChanges).toHaveLength(1);
    expect(sim.route53.submittedChanges[0]?.comment).toBe(
      `lakehouse-ops real to-dr for failover ${failoverId} in ${ENVIRONMENT}`,
    );
    const saved = await readTrafficSwitch(deps().table, { environment: ENVIRONMENT, failoverId }, 'to-dr');
    expect(saved).toMatchObject({ mode: 'real', changeId: retried.changeId, insyncAt: expect.any(String) });
    expect(saved?.records[0]?.before).toEqual({ ttl: 60, values: [DNS.primaryTargets.prefectApi] });
  });

  it('changes nothing and submits no change when re-run after the switch', async () => {
    const request = {
      environment: ENVIRONMENT,
      failoverId: nextFailoverId(),
      direction: 'to-dr',
      mode: 'real',
    } as const;
    const first = await switchUntilInSync(request);

    const again = await switchTraffic(deps(), request);

    expect(again).toEqual({ ...first, changed: false });
    expect(sim.route53.submittedChanges).toHaveLength(1);
    expect(again.records.map((record) => record.before)).toEqual(primaryTargets);
  });

  it('switches only the drill records in a drill; the production records never move', async () => {
    const request = {
      environment: ENVIRONMENT,
      failoverId: nextFailoverId(),
      direction: 'to-dr',
      mode: 'drill',
    } as const;

    const outcome = await switchUntilInSync(request);

    expect(drillTargets()).toEqual(drTargets);
    expect(productionTargets()).toEqual(primaryTargets);
    expect(outcome.records.map((record) => record.name)).toEqual(
      SERVICES.map((service) => DNS.drillRecords[service]),
    );
    expect(sim.route53.submittedChanges[0]?.changes.map((change) => change.record.name)).toEqual(
      SERVICES.map((service) => DNS.drillRecords[service]),
    );
  });

  it('switches back exactly where each record pointed before the failover, not to the configured primary', async () => {
    // Before the failover the UI pointed at a blue deployment that the configuration does not name.
    const blue = `prefect-ui-blue.eu-central-1.lakehouse-ops.internal.`;
    await route53TrafficDns(route53).upsert(
      ZONE_ID,
      [{ name: DNS.records.prefectUi, type: 'CNAME', target: { ttl: 60, values: [blue] } }],
      'blue/green',
    );
    const failoverId = nextFailoverId();
    const key = { environment: ENVIRONMENT, failoverId, mode: 'real' } as const;
    await switchUntilInSync({ ...key, direction: 'to-dr' });
    expect(productionTargets()).toEqual(drTargets);

    const back = await switchUntilInSync({ ...key, direction: 'to-primary' });

    expect(productionTargets()).toEqual([
      DNS.primaryTargets.prefectApi,
      blue,
      DNS.primaryTargets.objectStore,
    ]);
    expect(back.records.map(({ before, after }) => [before, after])).toEqual([
      [DNS.drTargets.prefectApi, DNS.primaryTargets.prefectApi],
      [DNS.drTargets.prefectUi, blue],
      [DNS.drTargets.objectStore, DNS.primaryTargets.objectStore],
    ]);
    await expectFailure(
      switchTraffic(deps(), { ...key, direction: 'to-dr' }),
      'TrafficSwitchConflictError',
      'was switched back to the primary',
    );
    expect(productionTargets()[0]).toBe(DNS.primaryTargets.prefectApi);
  });

  it('switches back to the configured primary when no switch to DR was recorded', async () => {
    await route53TrafficDns(route53).upsert(
      ZONE_ID,
      [
        {
          name: DNS.records.prefectApi,
          type: 'CNAME',
          target: { ttl: 60, values: [DNS.drTargets.prefectApi] },
        },
      ],
      'moved by hand',
    );
    const outcome = await switchUntilInSync({
      environment: ENVIRONMENT,
      failoverId: nextFailoverId(),
      direction: 'to-primary',
      mode: 'real',
    });
    expect(productionTargets()).toEqual(primaryTargets);
    expect(sim.route53.submittedChanges.at(-1)?.changes.map((change) => change.record.name)).toEqual([
      DNS.records.prefectApi,
    ]);
    expect(outcome.records[0]).toEqual({
      name: DNS.records.prefectApi,
      before: DNS.drTargets.prefectApi,
      after: DNS.primaryTargets.prefectApi,
    });
  });

  it('refuses to switch while the DR target is unhealthy (retryable), then switches once it is healthy', async () => {
    drTarget.healthy = false;
    const healthCheckId = await drTarget.healthCheck(route53);
    const settings = localTrafficSettings(DNS, ZONE_ID, { prefectApi: healthCheckId });
    const failoverId = nextFailoverId();
    const request = { environment: ENVIRONMENT, failoverId, direction: 'to-dr', mode: 'real' } as const;

    const error = await expectFailure(
      switchTraffic(deps(settings), request),
      'DnsTargetNotYetHealthyError',
      `nothing switched: the DR targets' health checks are not healthy yet: ${healthCheckId} (Failure: HTTP Status Code 503`,
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(productionTargets()).toEqual(primaryTargets);
    expect(sim.route53.submittedChanges).toHaveLength(0);
    expect(
      await readTrafficSwitch(deps().table, { environment: ENVIRONMENT, failoverId }, 'to-dr'),
    ).toBeUndefined();

    drTarget.healthy = true;
    await switchUntilInSync(request, settings);
    expect(productionTargets()).toEqual(drTargets);
  });

  it('refuses a mode other than the one this failover switched', async () => {
    const key = { environment: ENVIRONMENT, failoverId: nextFailoverId() };
    await switchUntilInSync({ ...key, direction: 'to-dr', mode: 'drill' });

    await expectFailure(
      switchTraffic(deps(), { ...key, direction: 'to-primary', mode: 'real' }),
      'TrafficSwitchConflictError',
      'switched its drill records (to-dr); a real switch would move other records: use mode drill',
    );
    expect(productionTargets()).toEqual(primaryTargets);
  });

  it('reports insync false when records moved by a change whose id was never saved', async () => {
    const key = { environment: ENVIRONMENT, failoverId: nextFailoverId() };
    const settings = localTrafficSettings(DNS, ZONE_ID);
    // A call that stopped after its change, before saving the change's id.
    await saveTrafficSwitch(deps().table, key, 'to-dr', undefined, {
      mode: 'real',
      records: settings.records.map((record) => ({
        name: record.name,
        type: record.type,
        before: record.primary,
        after: record.dr,
      })),
    });
    await route53TrafficDns(route53).upsert(
      ZONE_ID,
      settings.records.map((record) => ({ name: record.name, type: record.type, target: record.dr })),
      'the lost change',
    );

    const outcome = await switchTraffic(deps(), { ...key, direction: 'to-dr', mode: 'real' });

    expect(outcome).toMatchObject({ changed: false, insync: false });
    expect(outcome.records.map((record) => record.before)).toEqual(primaryTargets);
  });
});
