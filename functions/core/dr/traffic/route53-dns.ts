import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { callAws } from '../../../commons/transient-errors.ts';
import { canonicalDnsName, type DnsRecord, type DnsRecordKey, sameKey } from './records.ts';

/**
 * The DNS the traffic switch needs, behind a port: read a record, repoint records in one change,
 * follow a change to INSYNC, and read a health check. route53TrafficDns is the one adapter, the
 * same against AWS and against aws-sim (which speaks Route 53's protocol).
 */
export interface TrafficDns {
  /** The simple-routing record of that name and type, or undefined when the zone has none. */
  read(hostedZoneId: string, key: DnsRecordKey): Promise<DnsRecord | undefined>;
  /** UPSERTs every record in one change batch (applied whole or not at all); resolves to its change id. */
  upsert(hostedZoneId: string, records: readonly DnsRecord[], comment: string): Promise<string>;
  changeStatus(changeId: string): Promise<'PENDING' | 'INSYNC'>;
  /** The health checkers' latest reports of a health check, e.g. "Success: HTTP Status Code 200, OK". */
  healthReports(healthCheckId: string): Promise<string[]>;
}

export function route53TrafficDns(route53: Route53Client): TrafficDns {
  return {
    async read(hostedZoneId, key) {
      const name = canonicalDnsName(key.name);
      // Route 53 lists in order from the start name and type, so the first record is the one or none.
      const listed = await callAws(`route53:ListResourceRecordSets ${name} ${key.type}`, () =>
        route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: name,
            StartRecordType: key.type,
            MaxItems: 1,
          }),
        ),
      );
      const [record] = listed.ResourceRecordSets ?? [];
      if (!record || !sameKey({ name: record.Name ?? '', type: record.Type as DnsRecord['type'] }, key)) {
        return undefined;
      }
      return fromRecordSet(record, key);
    },

    async upsert(hostedZoneId, records, comment) {
      const submitted = await callAws(`route53:ChangeResourceRecordSets ${hostedZoneId}`, () =>
        route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: {
              Comment: comment,
              Changes: records.map((record) => ({
                Action: 'UPSERT',
                ResourceRecordSet: toRecordSet(record),
              })),
            },
          }),
        ),
      );
      return submitted.ChangeInfo?.Id ?? '';
    },

    async changeStatus(changeId) {
      const change = await callAws(`route53:GetChange ${changeId}`, () =>
        route53.send(new GetChangeCommand({ Id: changeId })),
      );
      return change.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING';
    },

    async healthReports(healthCheckId) {
      const status = await callAws(`route53:GetHealthCheckStatus ${healthCheckId}`, () =>
        route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })),
      );
      return (status.HealthCheckObservations ?? []).map(
        (observation) => observation.StatusReport?.Status ?? '',
      );
    },
  };
}

function fromRecordSet(record: ResourceRecordSet, key: DnsRecordKey): DnsRecord | undefined {
  // Weighted, failover or latency records are routed by policy, not pointed: not ours to switch.
  if (record.SetIdentifier !== undefined) return undefined;
  const name = record.Name ?? key.name;
  if (record.AliasTarget) {
    return {
      name,
      type: key.type,
      target: {
        alias: {
          hostedZoneId: record.AliasTarget.HostedZoneId ?? '',
          dnsName: record.AliasTarget.DNSName ?? '',
          evaluateTargetHealth: record.AliasTarget.EvaluateTargetHealth ?? false,
        },
      },
    };
  }
  return {
    name,
    type: key.type,
    target: {
      ttl: record.TTL ?? 0,
      values: (record.ResourceRecords ?? []).map((value) => value.Value ?? ''),
    },
  };
}

function toRecordSet(record: DnsRecord): ResourceRecordSet {
  const { target } = record;
  const base = { Name: canonicalDnsName(record.name), Type: record.type };
  if ('alias' in target) {
    return {
      ...base,
      AliasTarget: {
        HostedZoneId: target.alias.hostedZoneId,
        DNSName: target.alias.dnsName,
        EvaluateTargetHealth: target.alias.evaluateTargetHealth,
      },
    };
  }
  return { ...base, TTL: target.ttl, ResourceRecords: target.values.map((value) => ({ Value: value })) };
}
