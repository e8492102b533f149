import { randomBytes, randomUUID } from 'node:crypto';
import { AwsServiceError, type SimRequest, type SimResponse } from './http.ts';
import {
  assertLoopbackTarget,
  type HealthCheckConfig,
  PROBED_TYPES,
  type ProbedType,
  type ProbeResult,
  probe,
} from './route53-health.ts';
import {
  canonicalName,
  canonicalRecord,
  compareNames,
  compareRecords,
  describeRecord,
  isWithinZone,
  RECORD_TYPES,
  type RecordType,
  type ResourceRecordSet,
  readRecordSet,
  recordKey,
  recordSetXml,
  sameRecord,
} from './route53-records.ts';
import { childOf, childrenOf, escapeXml, parseXml, textOf, type XmlElement, xmlElement } from './xml.ts';

export type { AliasTarget, RecordType, ResourceRecordSet } from './route53-records.ts';

/**
 * Route 53 (REST-XML, paths under /2013-04-01/) for what a failover needs: seeded hosted zones,
 * ChangeResourceRecordSets (CREATE / UPSERT / DELETE, validated as one batch against a working
 * copy and applied only when every change passes), ListResourceRecordSets (Route 53's order, start
 * name/type/identifier, MaxItems), GetChange (a change answers PENDING to its first GetChange and
 * INSYNC after, so a waiter must look twice), and HTTP/TCP health checks that the simulator probes
 * on loopback each time GetHealthCheckStatus is called (one probe = one request interval).
 * resolve() follows the zones' CNAMEs and aliases the way a resolver inside the VPC would, for the
 * local lakehouse to find where a record points. Record changes show in the API at once, as in
 * Route 53; only their propagation status is simulated.
 */

export interface HostedZoneSeed {
  readonly name: string;
  /** Generated (Z + 13 characters) when omitted. */
  readonly id?: string;
  /** Default true: the platform's names live in a private zone of its VPCs. */
  readonly privateZone?: boolean;
  readonly comment?: string;
  /** Record sets besides the SOA and NS records every zone starts with. */
  readonly records?: readonly ResourceRecordSet[];
}

export interface HostedZoneView {
  readonly id: string;
  readonly name: string;
  readonly privateZone: boolean;
}

export interface SubmittedChange {
  readonly id: string;
  readonly hostedZoneId: string;
  readonly comment?: string;
  readonly submittedAt: Date;
  readonly changes: readonly { action: ChangeAction; record: ResourceRecordSet }[];
}

export interface Resolution {
  /** The name asked for, canonical. */
  readonly name: string;
  /** Every name the CNAMEs and aliases led through, the last being where the name points. */
  readonly chain: readonly string[];
  /** The record sets of the asked type at the end of the chain (empty when the chain leaves the zones or finds none). */
  readonly records: readonly ResourceRecordSet[];
}

type ChangeAction = 'CREATE' | 'UPSERT' | 'DELETE';

interface HostedZone extends HostedZoneView {
  readonly callerReference: string;
  readonly comment?: string;
  records: Map<string, ResourceRecordSet>;
}

interface ChangeState extends SubmittedChange {
  pendingPolls: number;
}

interface HealthCheckState {
  readonly id: string;
  readonly callerReference: string;
  readonly config: HealthCheckConfig;
  lastProbe?: ProbeResult;
}

const API_VERSION = '2013-04-01';
const XML_NAMESPACE = `https://route53.amazonaws.com/doc/${API_VERSION}/`;
/** GetChange calls a change stays PENDING before INSYNC. */
const PENDING_POLLS = 1;
const DEFAULT_MAX_ITEMS = 300;
const MAX_CHANGES_PER_BATCH = 1_000;
/** CNAME chains longer than this are a loop, as resolvers give up on them. */
const MAX_CHAIN = 8;
/** Where GetHealthCheckStatus says its observations come from: Route 53 reports several checkers. */
const CHECKER_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
const SIM_NAME_SERVER = 'ns-1.aws-sim.internal.';

export class Route53Simulator {
  private readonly zones = new Map<string, HostedZone>();
  private readonly changeLog = new Map<string, ChangeState>();
  private readonly healthChecks = new Map<string, HealthCheckState>();

  constructor(zones: readonly HostedZoneSeed[]) {
    for (const seed of zones) this.seedZone(seed);
  }

  handles(request: SimRequest): boolean {
    return request.path.startsWith(`/${API_VERSION}/`);
  }

  async handle(request: SimRequest): Promise<SimResponse> {
    const [, collection, id, sub, extra] = request.path.split('/').filter((segment) => segment !== '');
    const route = `${request.method} ${collection}${id === undefined ? '' : ' :id'}${sub ? ` ${sub}` : ''}${extra ? ' +' : ''}`;
    switch (route) {
      case 'GET hostedzone':
        return ok('ListHostedZonesResponse', this.listHostedZones());
      case 'GET hostedzone :id':
        return ok('GetHostedZoneResponse', { HostedZone: zoneXml(this.zone(id!)) });
      case 'POST hostedzone :id rrset':
        return ok('ChangeResourceRecordSetsResponse', {
          ChangeInfo: changeInfoXml(this.changeRecordSets(this.zone(id!), parseXml(request.body)), 'PENDING'),
        });
      case 'GET hostedzone :id rrset':
        return ok('ListResourceRecordSetsResponse', this.listRecordSets(this.zone(id!), request.query));
      case 'GET change :id':
        return ok('GetChangeResponse', { ChangeInfo: this.pollChange(id!) });
      case 'POST healthcheck': {
        const { check, created } = this.createHealthCheck(parseXml(request.body));
        return {
          ...ok('CreateHealthCheckResponse', { HealthCheck: healthCheckXml(check) }),
          status: created ? 201 : 200,
          headers: {
            'content-type': 'text/xml',
            location: `/${API_VERSION}/healthcheck/${check.id}`,
          },
        };
      }
      case 'GET healthcheck :id':
        return ok('GetHealthCheckResponse', { HealthCheck: healthCheckXml(this.healthCheck(id!)) });
      case 'GET healthcheck :id status':
        return ok('GetHealthCheckStatusResponse', await this.healthCheckStatus(this.healthCheck(id!)));
      case 'DELETE healthcheck :id':
        this.deleteHealthCheck(id!);
        return ok('DeleteHealthCheckResponse', {});
      default:
        throw new AwsServiceError(
          'InvalidInput',
          `aws-sim Route 53 does not implement ${request.method} ${request.path}`,
          400,
        );
    }
  }

  /** The zone of that name (canonical or not), for seeding callers that know names, not ids. */
  hostedZone(name: string): HostedZoneView | undefined {
    const wanted = canonicalName(name);
    const zone = [...this.zones.values()].find((candidate) => candidate.name === wanted);
    return zone && { id: zone.id, name: zone.name, privateZone: zone.privateZone };
  }

  /** A zone's record sets in ListResourceRecordSets order. */
  recordSets(hostedZoneId: string): ResourceRecordSet[] {
    return [...this.zone(hostedZoneId).records.values()].sort(compareRecords);
  }

  /** Every change batch accepted so far, oldest first. */
  get submittedChanges(): readonly SubmittedChange[] {
    return [...this.changeLog.values()].map(({ pendingPolls: _, ...change }) => change);
  }

  /** The last probe GetHealthCheckStatus made of a health check (undefined before the first). */
  lastProbe(healthCheckId: string): ProbeResult | undefined {
    return this.healthCheck(healthCheckId).lastProbe;
  }

  /**
   * Where `name` points: CNAMEs and aliases are followed through the zones (the most specific zone
   * answers for a name) until a record set of `type` is found or the chain leaves the zones.
   * Only simple routing is resolved: the drill switches records, it does not route by policy.
   */
  resolve(name: string, type: RecordType = 'A'): Resolution {
    const asked = canonicalName(name);
    const chain = [asked];
    for (let hops = 0; hops <= MAX_CHAIN; hops += 1) {
      const current = chain[chain.length - 1]!;
      const zone = this.zoneFor(current);
      if (!zone) return { name: asked, chain, records: [] };
      const atName = [...zone.records.values()].filter((record) => record.name === current);
      const routed = atName.find((record) => record.setIdentifier !== undefined);
      if (routed) {
        throw new Error(
          `aws-sim resolves simple routing only; ${describeRecord(routed)} in ${zone.name} uses a routing policy`,
        );
      }
      const answer = atName.find((record) => record.type === type);
      if (answer?.alias) {
        chain.push(answer.alias.dnsName);
        continue;
      }
      if (answer) return { name: asked, chain, records: [answer] };
      const cname = atName.find((record) => record.type === 'CNAME');
      const next = cname?.alias?.dnsName ?? cname?.values?.[0];
      if (next === undefined) return { name: asked, chain, records: [] };
      chain.push(canonicalName(next));
    }
    throw new Error(`aws-sim: ${asked} leads through more than ${MAX_CHAIN} CNAMEs: ${chain.join(' -> ')}`);
  }

  private seedZone(seed: HostedZoneSeed): void {
    const name = canonicalName(seed.name);
    const id = seed.id ?? `Z${randomBytes(16).toString('hex').toUpperCase().slice(0, 13)}`;
    if (this.zones.has(id)) throw new Error(`aws-sim Route 53: hosted zone id ${id} is seeded twice`);
    const zone: HostedZone = {
      id,
      name,
      privateZone: seed.privateZone ?? true,
      callerReference: `aws-sim-seed-${id}`,
      ...(seed.comment === undefined ? {} : { comment: seed.comment }),
      records: new Map(),
    };
    const apex: ResourceRecordSet[] = [
      {
        name,
        type: 'SOA',
        ttl: 900,
        values: [`${SIM_NAME_SERVER} hostmaster.aws-sim.internal. 1 7200 900 1209600 86400`],
      },
      { name, type: 'NS', ttl: 172800, values: [SIM_NAME_SERVER] },
    ];
    for (const record of [...apex, ...(seed.records ?? []).map(canonicalRecord)]) {
      if (!isWithinZone(record.name, name)) {
        throw new Error(`aws-sim Route 53: seeded record ${record.name} is not in zone ${name}`);
      }
      zone.records.set(recordKey(record), record);
    }
    this.zones.set(id, zone);
  }

  private zone(id: string): HostedZone {
    const zone = this.zones.get(id);
    if (!zone) throw new AwsServiceError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
    return zone;
  }

  private zoneFor(name: string): HostedZone | undefined {
    return [...this.zones.values()]
      .filter((zone) => isWithinZone(name, zone.name))
      .sort((left, right) => right.name.length - left.name.length)[0];
  }

  private listHostedZones() {
    const zones = [...this.zones.values()].sort((left, right) => compareNames(left.name, right.name));
    return {
      HostedZones: { HostedZone: zones.map(zoneXml) },
      IsTruncated: false,
      MaxItems: String(Math.max(zones.length, 100)),
    };
  }

  private changeRecordSets(zone: HostedZone, body: XmlElement): ChangeState {
    const batch = body.name === 'ChangeResourceRecordSetsRequest' ? childOf(body, 'ChangeBatch') : undefined;
    const changesElement = batch && childOf(batch, 'Changes');
    const changeElements = changesElement ? childrenOf(changesElement, 'Change') : [];
    if (!batch || changeElements.length === 0) {
      throw new AwsServiceError(
        'InvalidInput',
        'Invalid request: expected ChangeResourceRecordSetsRequest with a ChangeBatch of at least one Change',
        400,
      );
    }
    if (changeElements.length > MAX_CHANGES_PER_BATCH) {
      throw new AwsServiceError(
        'InvalidChangeBatch',
        `[Number of records limit of ${MAX_CHANGES_PER_BATCH} exceeded.]`,
        400,
      );
    }
    const changes = changeElements.map((element) => {
      const action = textOf(element, 'Action');
      if (action !== 'CREATE' && action !== 'UPSERT' && action !== 'DELETE') {
        throw new AwsServiceError(
          'InvalidInput',
          `Invalid request: Action ${action ?? '(missing)'} must be CREATE, UPSERT or DELETE`,
          400,
        );
      }
      const recordElement = childOf(element, 'ResourceRecordSet');
      if (!recordElement)
        throw new AwsServiceError('InvalidInput', 'Invalid request: a Change has no ResourceRecordSet', 400);
      return { action: action as ChangeAction, record: readRecordSet(recordElement, action) };
    });
    // Each change sees the ones before it (a DELETE then a CREATE of one name is a replace), and
    // nothing is kept unless every change is valid: Route 53 applies a batch whole or not at all.
    const working = new Map(zone.records);
    const messages = changes.flatMap(({ action, record }) => applyChange(zone, working, action, record));
    if (messages.length > 0) {
      throw new AwsServiceError('InvalidChangeBatch', `[${messages.join(', ')}]`, 400);
    }
    zone.records = working;
    const comment = textOf(batch, 'Comment');
    const change: ChangeState = {
      id: `C${randomBytes(16).toString('hex').toUpperCase().slice(0, 13)}`,
      hostedZoneId: zone.id,
      ...(comment === undefined ? {} : { comment }),
      submittedAt: new Date(),
      changes,
      pendingPolls: PENDING_POLLS,
    };
    this.changeLog.set(change.id, change);
    return change;
  }

  private listRecordSets(zone: HostedZone, query: URLSearchParams) {
    const startName = query.get('name');
    const startType = query.get('type');
    const startIdentifier = query.get('identifier');
    if (startType !== null && startName === null) {
      throw new AwsServiceError('InvalidInput', 'The input is not valid: type given without name', 400);
    }
    const maxItemsText = query.get('maxitems');
    const maxItems = maxItemsText === null ? DEFAULT_MAX_ITEMS : Number(maxItemsText);
    if (!Number.isInteger(maxItems) || maxItems < 1) {
      throw new AwsServiceError('InvalidInput', `maxitems ${maxItemsText} must be a positive integer`, 400);
    }
    if (startType !== null && !RECORD_TYPES.includes(startType as RecordType)) {
      throw new AwsServiceError('InvalidInput', `type ${startType} is not a record type`, 400);
    }
    const sorted = this.recordSets(zone.id).filter((record) => {
      if (startName === null) return true;
      const name = canonicalName(startName);
      if (startType === null) return compareNames(record.name, name) >= 0;
      const start = { name, type: startType as RecordType, setIdentifier: startIdentifier ?? undefined };
      return compareRecords(record, start) >= 0;
    });
    const page = sorted.slice(0, Math.min(maxItems, DEFAULT_MAX_ITEMS));
    const next = sorted[page.length];
    return {
      ResourceRecordSets: { ResourceRecordSet: page.map(recordSetXml) },
      IsTruncated: next !== undefined,
      NextRecordName: next?.name,
      NextRecordType: next?.type,
      NextRecordIdentifier: next?.setIdentifier,
      MaxItems: String(maxItems),
    };
  }

  private pollChange(id: string) {
    const change = this.changeLog.get(id);
    if (!change) {
      throw new AwsServiceError(
        'NoSuchChange',
        `A change with the specified change ID ${id} does not exist.`,
        404,
      );
    }
    const status = change.pendingPolls > 0 ? 'PENDING' : 'INSYNC';
    change.pendingPolls = Math.max(0, change.pendingPolls - 1);
    return changeInfoXml(change, status);
  }

  private createHealthCheck(body: XmlElement): { check: HealthCheckState; created: boolean } {
    const callerReference =
      body.name === 'CreateHealthCheckRequest' ? textOf(body, 'CallerReference') : undefined;
    const configElement = childOf(body, 'HealthCheckConfig');
    if (!callerReference || !configElement) {
      throw new AwsServiceError(
        'InvalidInput',
        'Invalid request: expected CreateHealthCheckRequest with CallerReference and HealthCheckConfig',
        400,
      );
    }
    const config = readHealthCheckConfig(configElement);
    const existing = [...this.healthChecks.values()].find(
      (check) => check.callerReference === callerReference,
    );
    if (existing) {
      if (JSON.stringify(existing.config) !== JSON.stringify(config)) {
        throw new AwsServiceError(
          'HealthCheckAlreadyExists',
          `A health check with the caller reference ${callerReference} already exists with other settings.`,
          409,
        );
      }
      return { check: existing, created: false };
    }
    const check: HealthCheckState = { id: randomUUID(), callerReference, config };
    this.healthChecks.set(check.id, check);
    return { check, created: true };
  }

  private healthCheck(id: string): HealthCheckState {
    const check = this.healthChecks.get(id);
    if (!check) {
      throw new AwsServiceError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
    }
    return check;
  }

  private async healthCheckStatus(check: HealthCheckState) {
    const result = await probe(check.config);
    check.lastProbe = result;
    return {
      HealthCheckObservations: {
        HealthCheckObservation: CHECKER_REGIONS.map((region) => ({
          Region: region,
          IPAddress: '127.0.0.1',
          StatusReport: { Status: result.status, CheckedTime: result.checkedAt.toISOString() },
        })),
      },
    };
  }

  private deleteHealthCheck(id: string): void {
    this.healthCheck(id);
    for (const zone of this.zones.values()) {
      const user = [...zone.records.values()].find((record) => record.healthCheckId === id);
      if (user) {
        throw new AwsServiceError(
          'HealthCheckInUse',
          `The health check ${id} is still referenced from parameter HealthCheckId of the resource record set ${describeRecord(user)}`,
          400,
        );
      }
    }
    this.healthChecks.delete(id);
  }
}

/** The InvalidChangeBatch messages of one change against the batch's working copy (applied when none). */
function applyChange(
  zone: HostedZone,
  working: Map<string, ResourceRecordSet>,
  action: ChangeAction,
  record: ResourceRecordSet,
): string[] {
  if (!isWithinZone(record.name, zone.name)) {
    return [`RRSet with DNS name ${record.name} is not permitted in zone ${zone.name}`];
  }
  const key = recordKey(record);
  const current = working.get(key);
  const apexOnly = record.name === zone.name && (record.type === 'SOA' || record.type === 'NS');
  if (action === 'DELETE') {
    if (!current)
      return [`Tried to delete resource record set ${describeRecord(record)} but it was not found`];
    if (!sameRecord(current, record)) {
      return [
        `Tried to delete resource record set ${describeRecord(record)} but the values provided do not match the current values`,
      ];
    }
    if (apexOnly) {
      return [
        record.type === 'SOA'
          ? 'A HostedZone must contain exactly one SOA record.'
          : 'A HostedZone must contain at least one NS record for the zone itself.',
      ];
    }
    working.delete(key);
    return [];
  }
  if (action === 'CREATE' && current) {
    return [`Tried to create resource record set ${describeRecord(record)} but it already exists`];
  }
  const conflict = [...working.values()].find(
    (other) =>
      other.name === record.name &&
      recordKey(other) !== key &&
      (other.type === 'CNAME') !== (record.type === 'CNAME'),
  );
  if (conflict || (record.type === 'CNAME' && record.name === zone.name)) {
    return [
      `RRSet of type ${record.type} with DNS name ${record.name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`,
    ];
  }
  working.set(key, record);
  return [];
}

function readHealthCheckConfig(element: XmlElement): HealthCheckConfig {
  const invalid = (message: string) =>
    new AwsServiceError('InvalidInput', `Invalid parameter: ${message}`, 400);
  const type = textOf(element, 'Type');
  if (!PROBED_TYPES.includes(type as ProbedType)) {
    throw invalid(
      `aws-sim Route 53 probes health checks of type ${PROBED_TYPES.join(', ')} (plain HTTP or TCP on loopback), not ${type ?? '(missing)'}`,
    );
  }
  for (const field of ['Inverted', 'Disabled'] as const) {
    if (textOf(element, field) === 'true')
      throw invalid(`aws-sim Route 53 does not implement ${field} health checks`);
  }
  const number = (field: string, fallback: number, allowed: (value: number) => boolean) => {
    const text = textOf(element, field);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || !allowed(value)) throw invalid(`${field} ${text} is out of range`);
    return value;
  };
  const ipAddress = textOf(element, 'IPAddress');
  const fullyQualifiedDomainName = textOf(element, 'FullyQualifiedDomainName');
  if (!ipAddress && !fullyQualifiedDomainName)
    throw invalid('IPAddress or FullyQualifiedDomainName is required');
  const resourcePath = textOf(element, 'ResourcePath');
  const searchString = textOf(element, 'SearchString');
  if (type === 'HTTP_STR_MATCH' && !searchString)
    throw invalid('SearchString is required for HTTP_STR_MATCH');
  const config: HealthCheckConfig = {
    type: type as ProbedType,
    ...(ipAddress ? { ipAddress } : {}),
    ...(fullyQualifiedDomainName ? { fullyQualifiedDomainName } : {}),
    port: number('Port', 80, (port) => port >= 1 && port <= 65535),
    ...(resourcePath === undefined ? {} : { resourcePath }),
    ...(searchString === undefined ? {} : { searchString }),
    requestInterval: number('RequestInterval', 30, (interval) => interval === 10 || interval === 30),
    failureThreshold: number('FailureThreshold', 3, (threshold) => threshold >= 1 && threshold <= 10),
  };
  assertLoopbackTarget(config);
  return config;
}

function zoneXml(zone: HostedZone) {
  return {
    Id: `/hostedzone/${zone.id}`,
    Name: zone.name,
    CallerReference: zone.callerReference,
    Config: { Comment: zone.comment, PrivateZone: zone.privateZone },
    ResourceRecordSetCount: zone.records.size,
  };
}

function changeInfoXml(change: SubmittedChange, status: 'PENDING' | 'INSYNC') {
  return {
    Id: `/change/${change.id}`,
    Status: status,
    SubmittedAt: change.submittedAt.toISOString(),
    Comment: change.comment,
  };
}

function healthCheckXml(check: HealthCheckState) {
  const { config } = check;
  return {
    Id: check.id,
    CallerReference: check.callerReference,
    HealthCheckConfig: {
      IPAddress: config.ipAddress,
      Port: config.port,
      Type: config.type,
      ResourcePath: config.resourcePath,
      FullyQualifiedDomainName: config.fullyQualifiedDomainName,
      SearchString: config.searchString,
      RequestInterval: config.requestInterval,
      FailureThreshold: config.failureThreshold,
      MeasureLatency: false,
      Inverted: false,
      Disabled: false,
    },
    HealthCheckVersion: 1,
  };
}

function ok(root: string, fields: Parameters<typeof xmlElement>[1]): SimResponse {
  const body = xmlElement(root, fields).replace(`<${root}>`, `<${root} xmlns="${XML_NAMESPACE}">`);
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?>\n${body}` };
}

export function renderRoute53Error(error: AwsServiceError): SimResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.fault}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}
