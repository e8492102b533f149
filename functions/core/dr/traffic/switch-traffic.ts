import type { FailoverMode } from '../failover/request.ts';
import {
  DnsChangeNotInSyncError,
  DnsTargetNotYetHealthyError,
  TrafficSwitchConflictError,
} from './errors.ts';
import { type DnsRecord, type DnsRecordTarget, describeTarget, pointsAt, sameKey } from './records.ts';
import type { TrafficDns } from './route53-dns.ts';
import {
  type PlannedRecord,
  plannedRecords,
  type SwitchDirection,
  type TrafficSettings,
} from './settings.ts';
import { readRecords, switchRecords, unhealthyChecks } from './switch-records.ts';
import {
  markTrafficInSync,
  readTrafficSwitch,
  recordTrafficChange,
  type SwitchedRecord,
  saveTrafficSwitch,
  type TrafficKey,
  type TrafficSwitchRecord,
  type TrafficTable,
} from './switch-store.ts';

/**
 * dr-failover step 6 and dr-failback's switch back (docs/dr.md, "Switching traffic and validating
 * the DR side"). Each call looks once and either finishes or throws a retryable error, so the
 * workflow, not the Lambda, does the waiting:
 *
 * 1. `to-dr` after this failover already switched back is refused, as is a mode other than the one
 *    recorded: both would move records nobody expects to move.
 * 2. Targets: `to-dr` the DR targets; `to-primary` where each record pointed before this failover's
 *    switch to DR (exactly back), or the configured primary target for a record that was not
 *    switched or already pointed at DR then.
 * 3. Records that must move wait for their target side's health checks (DnsTargetNotYetHealthyError).
 * 4. Where each pointed is saved before the change (never replaced later), then the records move
 *    in one Route 53 change whose id is saved.
 * 5. One look at the change: PENDING is DnsChangeNotInSyncError; the retry finds nothing to move
 *    and looks at the saved change again.
 */
export interface SwitchTrafficDependencies {
  readonly dns: TrafficDns;
  readonly table: TrafficTable;
  readonly settings: TrafficSettings;
}

export interface SwitchTrafficRequest extends TrafficKey {
  readonly direction: SwitchDirection;
  readonly mode: FailoverMode;
}

export interface SwitchTrafficOutcome {
  /** Whether this call submitted a Route 53 change (false on a re-run: nothing is moved twice). */
  readonly changed: boolean;
  /** Every record of the switch: where it pointed before this failover's switch, and its target. */
  readonly records: readonly { name: string; before: string; after: string }[];
  /**
   * The change that moved the records is served by every Route 53 name server, or nothing had to
   * move. False only when records were moved by a change whose id was lost (a call that failed
   * between the change and saving its id): they point right, but propagation cannot be confirmed.
   */
  readonly insync: boolean;
  /** The Route 53 change that moved the records, whichever call submitted it. */
  readonly changeId?: string;
}

export async function switchTraffic(
  deps: SwitchTrafficDependencies,
  request: SwitchTrafficRequest,
): Promise<SwitchTrafficOutcome> {
  const { dns, table, settings } = deps;
  const key: TrafficKey = { environment: request.environment, failoverId: request.failoverId };
  const [stored, toDr, toPrimary] = await Promise.all([
    readTrafficSwitch(table, key, request.direction),
    request.direction === 'to-primary' ? readTrafficSwitch(table, key, 'to-dr') : undefined,
    request.direction === 'to-dr' ? readTrafficSwitch(table, key, 'to-primary') : undefined,
  ]);
  refuseConflicts(request, stored ?? toDr, toPrimary);

  const planned = plannedRecords(settings, request.mode);
  const wanted: DnsRecord[] = planned.map((record) => ({
    name: record.name,
    type: record.type,
    target: request.direction === 'to-dr' ? record.dr : primaryTargetOf(record, toDr),
  }));
  const current = await readRecords(dns, settings.hostedZoneId, wanted);
  const moving = planned.filter((_, index) => !pointsAt(current[index]!.target, wanted[index]!.target));
  if (moving.length > 0) await requireHealthyTargets(dns, moving, request.direction);

  let saved = await saveTrafficSwitch(table, key, request.direction, stored, {
    mode: request.mode,
    records: mergeBefore(stored, wanted, current),
  });
  let changed = false;
  if (moving.length > 0) {
    const outcome = await switchRecords(dns, {
      hostedZoneId: settings.hostedZoneId,
      records: wanted,
      comment: `lakehouse-ops ${request.mode} ${request.direction} for failover ${request.failoverId} in ${request.environment}`,
    });
    if (outcome.changed && outcome.changeId) {
      changed = true;
      saved = await recordTrafficChange(table, key, saved, outcome.changeId);
    }
  }
  const insync = await lookInSync(deps, key, saved);
  return {
    changed,
    records: saved.records.map((record) => ({
      name: record.name,
      before: describeTarget(record.before),
      after: describeTarget(record.after),
    })),
    insync,
    ...(saved.changeId ? { changeId: saved.changeId } : {}),
  };
}

function refuseConflicts(
  request: SwitchTrafficRequest,
  recorded: TrafficSwitchRecord | undefined,
  switchedBack: TrafficSwitchRecord | undefined,
): void {
  const context = { failoverId: request.failoverId, environment: request.environment };
  if (switchedBack) {
    throw new TrafficSwitchConflictError(
      `traffic of failover ${request.failoverId} in ${request.environment} was switched back to the primary (${switchedBack.savedAt}): open a new failover to switch to DR again`,
      { ...context, switchedBackAt: switchedBack.savedAt },
    );
  }
  if (recorded && recorded.mode !== request.mode) {
    throw new TrafficSwitchConflictError(
      `failover ${request.failoverId} switched its ${recorded.mode} records (${recorded.direction}); a ${request.mode} switch would move other records: use mode ${recorded.mode}`,
      { ...context, recordedMode: recorded.mode, requestedMode: request.mode },
    );
  }
}

function primaryTargetOf(record: PlannedRecord, toDr: TrafficSwitchRecord | undefined): DnsRecordTarget {
  const switched = toDr?.records.find((candidate) => sameKey(candidate, record));
  // A record that already pointed at DR before the failover has nothing to go back to but the primary.
  if (!switched || pointsAt(switched.before, record.dr)) return record.primary;
  return switched.before;
}

async function requireHealthyTargets(
  dns: TrafficDns,
  moving: readonly PlannedRecord[],
  direction: SwitchDirection,
): Promise<void> {
  const ids = moving.flatMap((record) => {
    const id = direction === 'to-dr' ? record.drHealthCheckId : record.primaryHealthCheckId;
    return id === undefined ? [] : [id];
  });
  if (ids.length === 0) return;
  const unhealthy = await unhealthyChecks(dns, [...new Set(ids)]);
  const names = Object.keys(unhealthy);
  if (names.length === 0) return;
  const side = direction === 'to-dr' ? 'DR' : 'primary';
  throw new DnsTargetNotYetHealthyError(
    `nothing switched: the ${side} targets' health checks are not healthy yet: ${names
      .map((id) => `${id} (${unhealthy[id]?.[0] ?? 'no report'})`)
      .join('; ')}`,
    { direction, unhealthy },
  );
}

/** Each record's `before` as first saved; records new to this switch take where they point now. */
function mergeBefore(
  stored: TrafficSwitchRecord | undefined,
  wanted: readonly DnsRecord[],
  current: readonly DnsRecord[],
): SwitchedRecord[] {
  return wanted.map((record, index) => {
    const saved = stored?.records.find((candidate) => sameKey(candidate, record));
    return {
      name: record.name,
      type: record.type,
      before: saved?.before ?? current[index]!.target,
      after: record.target,
    };
  });
}

async function lookInSync(
  { dns, table }: SwitchTrafficDependencies,
  key: TrafficKey,
  saved: TrafficSwitchRecord,
): Promise<boolean> {
  if (saved.insyncAt) return true;
  if (!saved.changeId) return saved.records.every((record) => pointsAt(record.before, record.after));
  if ((await dns.changeStatus(saved.changeId)) === 'PENDING') {
    throw new DnsChangeNotInSyncError(
      `the ${saved.direction} switch of failover ${key.failoverId} is made; Route 53 change ${saved.changeId} is still PENDING (not yet on every name server): look again`,
      { ...key, direction: saved.direction, changeId: saved.changeId },
    );
  }
  await markTrafficInSync(table, key, saved);
  return true;
}
