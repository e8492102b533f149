import { describeTarget, pointsAt } from '../traffic/records.ts';
import type { TrafficDns } from '../traffic/route53-dns.ts';
import { plannedRecords, type TrafficSettings } from '../traffic/settings.ts';
import { readRecords } from '../traffic/switch-records.ts';
import { readTrafficSwitch, type TrafficKey, type TrafficTable } from '../traffic/switch-store.ts';
import type { DrCheck } from './dr-check.ts';

export interface TrafficCheckDependencies {
  readonly dns: TrafficDns;
  readonly table: TrafficTable;
  readonly settings: TrafficSettings;
}

/**
 * The platform records of this failover's mode (recorded by its switch to DR: the drill records in
 * a drill) point at their DR targets in the hosted zone.
 */
export async function checkTrafficOnDr(
  { dns, table, settings }: TrafficCheckDependencies,
  key: TrafficKey,
): Promise<Omit<DrCheck, 'name'>> {
  const switched = await readTrafficSwitch(table, key, 'to-dr');
  if (!switched) {
    return {
      passed: false,
      detail: `no switch to DR is recorded for failover ${key.failoverId} in ${key.environment}: run switch-traffic (direction to-dr) first`,
    };
  }
  const planned = plannedRecords(settings, switched.mode);
  const current = await readRecords(dns, settings.hostedZoneId, planned);
  const elsewhere = planned.flatMap((record, index) => {
    const target = current[index]!.target;
    return pointsAt(target, record.dr)
      ? []
      : [
          `${record.name} points at ${describeTarget(target)}, not the DR target ${describeTarget(record.dr)}`,
        ];
  });
  if (elsewhere.length > 0) return { passed: false, detail: elsewhere.join('; ') };
  return {
    passed: true,
    detail: `all ${planned.length} ${switched.mode === 'drill' ? 'drill ' : ''}records point at their DR targets (${planned.map((record) => record.name).join(', ')})`,
  };
}
