import * as z from 'zod/mini';
import { ConfigurationError } from '../../../commons/errors.ts';
import { parseJsonVariable } from '../../../commons/json-variable.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import type { FailoverMode } from '../failover/request.ts';
import {
  canonicalDnsName,
  DNS_RECORD_TYPES,
  type DnsRecordTarget,
  dnsRecordTargetSchema,
  pointsAt,
  recordName,
} from './records.ts';

/**
 * DR_TRAFFIC (docs/dr.md, "Switching traffic and validating the DR side"): the hosted zone and,
 * per platform record (Prefect API, Prefect UI, object store), its drill twin, where it points in
 * each region, and optionally the Route 53 health check of each region's target. A drill switches
 * the `drillName` records, so production names never move in a drill.
 */
const trafficRecordSchema = z.strictObject({
  name: recordName,
  drillName: recordName,
  type: z._default(z.enum(DNS_RECORD_TYPES), 'CNAME'),
  primary: dnsRecordTargetSchema,
  dr: dnsRecordTargetSchema,
  /** Checked before traffic moves to the primary target (failback). */
  primaryHealthCheckId: z.optional(nonEmptyString()),
  /** Checked before traffic moves to the DR target (failover). */
  drHealthCheckId: z.optional(nonEmptyString()),
});

export const trafficSettingsSchema = z.strictObject({
  hostedZoneId: nonEmptyString(),
  records: z.array(trafficRecordSchema).check(z.minLength(1)),
});
export type TrafficSettings = z.output<typeof trafficSettingsSchema>;
export type TrafficRecordSettings = TrafficSettings['records'][number];

export const SWITCH_DIRECTIONS = ['to-dr', 'to-primary'] as const;
export type SwitchDirection = (typeof SWITCH_DIRECTIONS)[number];

/** One record as a switch of a given mode sees it: the name it moves and both regions' targets. */
export interface PlannedRecord {
  readonly name: string;
  readonly type: TrafficRecordSettings['type'];
  readonly primary: DnsRecordTarget;
  readonly dr: DnsRecordTarget;
  readonly primaryHealthCheckId?: string;
  readonly drHealthCheckId?: string;
}

export function parseTrafficSettings(text: string, variable = 'DR_TRAFFIC'): TrafficSettings {
  const settings = parseJsonVariable(
    variable,
    text,
    trafficSettingsSchema,
    'the traffic switch settings ({hostedZoneId, records: [{name, drillName, primary, dr}]})',
  );
  const problems = settingsProblems(settings);
  if (problems.length > 0) {
    throw new ConfigurationError(`${variable} is inconsistent: ${problems.join('; ')}`, {
      variable,
      problems,
    });
  }
  return settings;
}

function settingsProblems(settings: TrafficSettings): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const record of settings.records) {
    for (const name of [record.name, record.drillName]) {
      const canonical = canonicalDnsName(name);
      if (seen.has(canonical))
        problems.push(`${canonical} is named twice (names and drill names must all differ)`);
      seen.add(canonical);
    }
    if (pointsAt(record.primary, record.dr)) {
      problems.push(`${record.name} has the same primary and dr target: a switch would move nothing`);
    }
  }
  return problems;
}

/** The records a switch of `mode` moves: the production names, or their drill twins. */
export function plannedRecords(settings: TrafficSettings, mode: FailoverMode): PlannedRecord[] {
  return settings.records.map(({ name, drillName, ...rest }) => ({
    name: mode === 'drill' ? drillName : name,
    ...rest,
  }));
}
