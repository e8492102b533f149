import * as z from 'zod/mini';

/**
 * The DNS records a failover moves (Prefect API and UI, the object store) and where each points:
 * either plain values with a TTL (a CNAME to the region's load balancer) or a Route 53 alias.
 * Names are compared as DNS compares them: case-insensitive, with or without the trailing dot.
 */

export const recordName = z.string().check(z.minLength(1), z.maxLength(1024));

const valuesTarget = z.strictObject({
  ttl: z.number().check(z.int(), z.minimum(0)),
  values: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});

const aliasTarget = z.strictObject({
  alias: z.strictObject({
    hostedZoneId: z.string().check(z.minLength(1)),
    dnsName: recordName,
    evaluateTargetHealth: z.boolean(),
  }),
});

export const dnsRecordTargetSchema = z.union([valuesTarget, aliasTarget]);
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME'] as const;

export const dnsRecordSchema = z.strictObject({
  name: recordName,
  type: z.enum(DNS_RECORD_TYPES),
  target: dnsRecordTargetSchema,
});
export type DnsRecord = z.output<typeof dnsRecordSchema>;
export type DnsRecordTarget = DnsRecord['target'];
export type DnsRecordKey = Pick<DnsRecord, 'name' | 'type'>;

export function canonicalDnsName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function sameKey(left: DnsRecordKey, right: DnsRecordKey): boolean {
  return left.type === right.type && canonicalDnsName(left.name) === canonicalDnsName(right.name);
}

/** Whether a record already points where `wanted` says (values in any order, names canonical). */
export function pointsAt(current: DnsRecordTarget, wanted: DnsRecordTarget): boolean {
  if ('alias' in current || 'alias' in wanted) {
    return (
      'alias' in current &&
      'alias' in wanted &&
      current.alias.hostedZoneId.replace(/^\/hostedzone\//, '') ===
        wanted.alias.hostedZoneId.replace(/^\/hostedzone\//, '') &&
      canonicalDnsName(current.alias.dnsName) === canonicalDnsName(wanted.alias.dnsName) &&
      current.alias.evaluateTargetHealth === wanted.alias.evaluateTargetHealth
    );
  }
  const normalise = (values: readonly string[]) => [...values].map((value) => value.toLowerCase()).sort();
  return (
    current.ttl === wanted.ttl &&
    JSON.stringify(normalise(current.values)) === JSON.stringify(normalise(wanted.values))
  );
}

export function describeTarget(target: DnsRecordTarget): string {
  return 'alias' in target ? `alias ${target.alias.dnsName}` : target.values.join(' ');
}
