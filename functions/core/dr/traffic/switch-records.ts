import { DnsChangeNotInSyncError, DnsRecordMissingError, DnsTargetUnhealthyError } from './errors.ts';
import { type DnsRecord, describeTarget, pointsAt } from './records.ts';
import type { TrafficDns } from './route53-dns.ts';

/**
 * Repoints a set of records (the platform's Prefect API/UI and object store) in one Route 53
 * change, remembering where each pointed so that the switch can be undone by switching to
 * `previous`. Running it again once the records point there changes nothing and says so, so a
 * failover re-run after a stop does not submit a second change.
 */

export interface SwitchRequest {
  readonly hostedZoneId: string;
  /** Each record with the target it must point at. */
  readonly records: readonly DnsRecord[];
  /** The change batch comment (who switched, and why): Route 53 keeps it with the change. */
  readonly comment: string;
}

export interface SwitchOutcome {
  /** False when every record already pointed at its target (no change was submitted). */
  readonly changed: boolean;
  /** The submitted change's id (undefined when nothing changed). */
  readonly changeId?: string;
  /** Where every requested record pointed before: switching to these undoes the switch. */
  readonly previous: readonly DnsRecord[];
  /** The names that were repointed (the others already pointed at their targets). */
  readonly switchedNames: readonly string[];
}

export interface DnsWait {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** Route 53 calls a target healthy when more than 18 % of its health checkers report it healthy. */
const HEALTHY_SHARE = 0.18;

const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** Where each record points now, in the order asked; a record the zone lacks is an error. */
export async function readRecords(
  dns: TrafficDns,
  hostedZoneId: string,
  keys: readonly Pick<DnsRecord, 'name' | 'type'>[],
): Promise<DnsRecord[]> {
  return Promise.all(
    keys.map(async (key) => {
      const record = await dns.read(hostedZoneId, key);
      if (!record) {
        throw new DnsRecordMissingError(
          `${key.type} record ${key.name} does not exist in hosted zone ${hostedZoneId} (simple routing); the switch only repoints provisioned records`,
          { hostedZoneId, name: key.name, type: key.type },
        );
      }
      return record;
    }),
  );
}

export async function switchRecords(dns: TrafficDns, request: SwitchRequest): Promise<SwitchOutcome> {
  const previous = await readRecords(dns, request.hostedZoneId, request.records);
  const moving = request.records.filter((record, index) => !pointsAt(previous[index]!.target, record.target));
  if (moving.length === 0) return { changed: false, previous, switchedNames: [] };
  const changeId = await dns.upsert(request.hostedZoneId, moving, request.comment);
  return { changed: true, changeId, previous, switchedNames: moving.map((record) => record.name) };
}

/** Resolves once Route 53 reports the change INSYNC (served by all its name servers). */
export async function waitForChangeInSync(dns: TrafficDns, changeId: string, wait: DnsWait): Promise<void> {
  await pollUntil(
    wait,
    async () => ((await dns.changeStatus(changeId)) === 'INSYNC' ? true : undefined),
    () => {
      return new DnsChangeNotInSyncError(
        `Route 53 change ${changeId} was not INSYNC after ${wait.timeoutMs} ms`,
        {
          changeId,
          timeoutMs: wait.timeoutMs,
        },
      );
    },
  );
}

/**
 * Resolves once every health check reports healthy, so traffic is switched only to targets that
 * answer; the error names each check that did not, with its checkers' last reports.
 */
export async function waitForHealthy(
  dns: TrafficDns,
  healthCheckIds: readonly string[],
  wait: DnsWait,
): Promise<void> {
  const lastReports = new Map<string, string[]>();
  await pollUntil(
    wait,
    async () => {
      for (const id of healthCheckIds) {
        if (lastReports.has(id) && isHealthy(lastReports.get(id)!)) continue;
        lastReports.set(id, await dns.healthReports(id));
      }
      return healthCheckIds.every((id) => isHealthy(lastReports.get(id) ?? [])) ? true : undefined;
    },
    () => {
      const unhealthy = healthCheckIds.filter((id) => !isHealthy(lastReports.get(id) ?? []));
      return new DnsTargetUnhealthyError(
        `health checks not healthy after ${wait.timeoutMs} ms: ${unhealthy
          .map((id) => `${id} (${lastReports.get(id)?.[0] ?? 'no report'})`)
          .join('; ')}`,
        { unhealthy: Object.fromEntries(unhealthy.map((id) => [id, lastReports.get(id) ?? []])) },
      );
    },
  );
}

/**
 * One look at each health check (no waiting: the caller decides whether and when to look again):
 * the checks that are not healthy now, each with its checkers' latest reports.
 */
export async function unhealthyChecks(
  dns: TrafficDns,
  healthCheckIds: readonly string[],
): Promise<Record<string, string[]>> {
  const looks = await Promise.all(
    healthCheckIds.map(async (id) => [id, await dns.healthReports(id)] as const),
  );
  return Object.fromEntries(looks.filter(([, reports]) => !isHealthy(reports)));
}

export function isHealthy(reports: readonly string[]): boolean {
  if (reports.length === 0) return false;
  const healthy = reports.filter((report) => report.startsWith('Success')).length;
  return healthy / reports.length > HEALTHY_SHARE;
}

/** How a record pointed before and after, for the audit trail and the failover report. */
export function describeSwitch(outcome: SwitchOutcome, request: SwitchRequest): string[] {
  return request.records.map((record, index) => {
    const before = describeTarget(outcome.previous[index]!.target);
    return outcome.switchedNames.includes(record.name)
      ? `${record.name}: ${before} -> ${describeTarget(record.target)}`
      : `${record.name}: already ${before}`;
  });
}

async function pollUntil(
  wait: DnsWait,
  attempt: () => Promise<true | undefined>,
  timedOut: () => Error,
): Promise<void> {
  const now = wait.now ?? Date.now;
  const sleep = wait.sleep ?? defaultSleep;
  const deadline = now() + wait.timeoutMs;
  for (;;) {
    if (await attempt()) return;
    if (now() >= deadline) throw timedOut();
    await sleep(wait.pollIntervalMs);
  }
}
