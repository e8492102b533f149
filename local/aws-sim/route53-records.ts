import { AwsServiceError } from './http.ts';
import { childOf, childrenOf, textOf, type XmlElement, type XmlFields } from './xml.ts';

/**
 * Resource record sets as Route 53 holds them, read from and written to its REST-XML shapes, with
 * the ordering ListResourceRecordSets uses and the equality a DELETE is checked with.
 */

export const RECORD_TYPES = [
  'A',
  'AAAA',
  'CAA',
  'CNAME',
  'DS',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SOA',
  'SPF',
  'SRV',
  'TXT',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface AliasTarget {
  readonly hostedZoneId: string;
  readonly dnsName: string;
  readonly evaluateTargetHealth: boolean;
}

export interface ResourceRecordSet {
  readonly name: string;
  readonly type: RecordType;
  readonly ttl?: number;
  readonly values?: readonly string[];
  readonly alias?: AliasTarget;
  readonly setIdentifier?: string;
  readonly weight?: number;
  readonly region?: string;
  readonly failover?: 'PRIMARY' | 'SECONDARY';
  readonly healthCheckId?: string;
}

// Routing and targeting Route 53 offers that the local simulator does not model.
const UNSUPPORTED_FIELDS = [
  'GeoLocation',
  'GeoProximityLocation',
  'CidrRoutingConfig',
  'MultiValueAnswer',
  'TrafficPolicyInstanceId',
];
const MAX_TTL = 2_147_483_647;

/** Route 53 answers names in lower case with the trailing dot, whatever the request spelt. */
export function canonicalName(name: string): string {
  const trimmed = name.trim().toLowerCase();
  return trimmed.endsWith('.') ? trimmed : `${trimmed}.`;
}

export function isWithinZone(name: string, zoneName: string): boolean {
  return name === zoneName || name.endsWith(`.${zoneName}`);
}

export function recordKey(record: Pick<ResourceRecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${record.name}|${record.type}|${record.setIdentifier ?? ''}`;
}

/** How error messages name a record set: `[name='a.example.', type='A']`. */
export function describeRecord(record: Pick<ResourceRecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  const identifier = record.setIdentifier === undefined ? '' : `, set-identifier='${record.setIdentifier}'`;
  return `[name='${record.name}', type='${record.type}'${identifier}]`;
}

/** ListResourceRecordSets order: by name with its labels reversed (com.example.www), then type, then identifier. */
export function compareRecords(
  left: Pick<ResourceRecordSet, 'name' | 'type' | 'setIdentifier'>,
  right: Pick<ResourceRecordSet, 'name' | 'type' | 'setIdentifier'>,
): number {
  return (
    compareNames(left.name, right.name) ||
    left.type.localeCompare(right.type) ||
    (left.setIdentifier ?? '').localeCompare(right.setIdentifier ?? '')
  );
}

export function compareNames(left: string, right: string): number {
  const a = left.split('.').reverse();
  const b = right.split('.').reverse();
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const order = a[index]!.localeCompare(b[index]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Whether a DELETE names exactly this record set: every field, values in any order. */
export function sameRecord(left: ResourceRecordSet, right: ResourceRecordSet): boolean {
  const values = (record: ResourceRecordSet) => JSON.stringify([...(record.values ?? [])].sort());
  const alias = (record: ResourceRecordSet) =>
    record.alias === undefined
      ? ''
      : JSON.stringify([
          record.alias.hostedZoneId,
          canonicalName(record.alias.dnsName),
          record.alias.evaluateTargetHealth,
        ]);
  return (
    recordKey(left) === recordKey(right) &&
    left.ttl === right.ttl &&
    values(left) === values(right) &&
    alias(left) === alias(right) &&
    left.weight === right.weight &&
    left.region === right.region &&
    left.failover === right.failover &&
    left.healthCheckId === right.healthCheckId
  );
}

/** A ResourceRecordSet element of a change, validated as Route 53 validates it (InvalidInput). */
export function readRecordSet(element: XmlElement, action: string): ResourceRecordSet {
  const invalid = (message: string) =>
    new AwsServiceError('InvalidInput', `Invalid request: ${message}`, 400);
  for (const field of UNSUPPORTED_FIELDS) {
    if (childOf(element, field))
      throw new AwsServiceError('InvalidInput', `aws-sim Route 53 does not implement ${field}`, 400);
  }
  const rawName = textOf(element, 'Name');
  if (!rawName) throw invalid('ResourceRecordSet.Name is required');
  const name = canonicalName(rawName);
  const type = textOf(element, 'Type');
  if (!RECORD_TYPES.includes(type as RecordType)) {
    throw invalid(`ResourceRecordSet.Type ${type ?? '(missing)'} is not one of ${RECORD_TYPES.join(', ')}`);
  }
  const ttlText = textOf(element, 'TTL');
  const ttl = ttlText === undefined ? undefined : Number(ttlText);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL)) {
    throw invalid(`TTL ${ttlText} must be an integer from 0 to ${MAX_TTL}`);
  }
  const records = childOf(element, 'ResourceRecords');
  const values =
    records && childrenOf(records, 'ResourceRecord').map((record) => textOf(record, 'Value') ?? '');
  const aliasElement = childOf(element, 'AliasTarget');
  const alias = aliasElement && readAliasTarget(aliasElement);
  const simple = ttl !== undefined && values !== undefined && values.length > 0;
  if (simple === (alias !== undefined)) {
    throw invalid(
      `Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found ${alias ? 'both' : 'none'} in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=${textOf(element, 'SetIdentifier') ?? 'null'}]`,
    );
  }
  if (values?.some((value) => value === '')) throw invalid('a ResourceRecord Value is empty');
  if (type === 'CNAME' && values && values.length > 1) {
    throw invalid(`a CNAME record set holds exactly one value; ${name} has ${values.length}`);
  }
  const failover = textOf(element, 'Failover');
  if (failover !== undefined && failover !== 'PRIMARY' && failover !== 'SECONDARY') {
    throw invalid(`Failover ${failover} must be PRIMARY or SECONDARY`);
  }
  const setIdentifier = textOf(element, 'SetIdentifier');
  const weightText = textOf(element, 'Weight');
  const region = textOf(element, 'Region');
  const routed = [failover, weightText, region].filter((field) => field !== undefined).length;
  if (routed > 1) throw invalid('a record set has at most one of Failover, Weight and Region');
  if ((routed === 1) !== (setIdentifier !== undefined)) {
    throw invalid('SetIdentifier goes with exactly one of Failover, Weight and Region');
  }
  const weight = weightText === undefined ? undefined : Number(weightText);
  if (weight !== undefined && (!Number.isInteger(weight) || weight < 0 || weight > 255)) {
    throw invalid(`Weight ${weightText} must be an integer from 0 to 255`);
  }
  return omitUndefined({
    name,
    type: type as RecordType,
    ttl,
    values,
    alias,
    setIdentifier,
    weight,
    region,
    failover: failover as ResourceRecordSet['failover'],
    healthCheckId: textOf(element, 'HealthCheckId'),
  });
}

function readAliasTarget(element: XmlElement): AliasTarget {
  const hostedZoneId = textOf(element, 'HostedZoneId');
  const dnsName = textOf(element, 'DNSName');
  const evaluate = textOf(element, 'EvaluateTargetHealth');
  if (!hostedZoneId || !dnsName || (evaluate !== 'true' && evaluate !== 'false')) {
    throw new AwsServiceError(
      'InvalidInput',
      'Invalid request: AliasTarget needs HostedZoneId, DNSName and EvaluateTargetHealth (true or false)',
      400,
    );
  }
  return { hostedZoneId, dnsName: canonicalName(dnsName), evaluateTargetHealth: evaluate === 'true' };
}

/** The record set in the shape ListResourceRecordSets answers (element order as Route 53 writes it). */
export function recordSetXml(record: ResourceRecordSet): XmlFields {
  return {
    Name: record.name,
    Type: record.type,
    SetIdentifier: record.setIdentifier,
    Weight: record.weight,
    Region: record.region,
    Failover: record.failover,
    TTL: record.ttl,
    ResourceRecords: record.values && { ResourceRecord: record.values.map((value) => ({ Value: value })) },
    AliasTarget: record.alias && {
      HostedZoneId: record.alias.hostedZoneId,
      DNSName: record.alias.dnsName,
      EvaluateTargetHealth: record.alias.evaluateTargetHealth,
    },
    HealthCheckId: record.healthCheckId,
  };
}

/** Seeds and callers may leave names uncanonical; the zone stores what Route 53 would. */
export function canonicalRecord(record: ResourceRecordSet): ResourceRecordSet {
  return omitUndefined({
    ...record,
    name: canonicalName(record.name),
    alias: record.alias && { ...record.alias, dnsName: canonicalName(record.alias.dnsName) },
  });
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
