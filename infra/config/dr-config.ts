import { z } from 'zod';
import { parseTrafficSettings } from '../../functions/core/dr/traffic/settings.ts';
import { availabilityZonesSchema, cidrsOverlap, natGatewaysSchema, vpcCidrSchema } from './cluster-config.ts';

/**
 * Disaster recovery (issue 5, docs/dr.md): the targets the platform promises, continuous
 * replication of MinIO into the DR region's replica bucket, and the monthly drill. Every field
 * has a default, so an environment states only what differs.
 */

/** EventBridge Scheduler's `rate(...)` or `cron(...)`; the schedule's own checks do the rest. */
const scheduleExpression = z.string().regex(/^(rate|cron)\(.+\)$/, {
  message:
    'expected an EventBridge Scheduler expression such as "rate(15 minutes)" or "cron(0 6 ? * MON#1 *)"',
});

const replicationConfigSchema = z
  .object({
    /**
     * How often the reconciler compares the MinIO listings with the replica's and repairs what the
     * events missed. It lists every bucket, so it is a backstop, not the path of the RPO.
     */
    reconcileSchedule: scheduleExpression.default('rate(15 minutes)'),
    /** Events per replicate invocation (SQS batch size): each is a HEAD and usually a copy. */
    batchSize: z.number().int().min(1).max(100).default(10),
    /** Deliveries of one event before it goes to the dead-letter queue (which alarms). */
    maxReceiveCount: z.number().int().min(2).max(20).default(5),
    /** The replication lag alarm: the issue sets 3 minutes, well inside the 5-minute RPO. */
    lagAlarmSeconds: z.number().int().positive().default(180),
  })
  .prefault({});

const drillConfigSchema = z
  .object({
    /** A scheduled drill fails the environment over for real (mode `drill`): staging only. */
    enabled: z.boolean().default(false),
    /** First Monday of the month, 06:00 in timeZone, unless told otherwise: dr-failover, mode drill. */
    expression: scheduleExpression.default('cron(0 6 ? * MON#1 *)'),
    /** dr-failback of the drill: the same day, once the failover had time to finish and be looked at. */
    failbackExpression: scheduleExpression.default('cron(0 9 ? * MON#1 *)'),
    timeZone: z.string().min(1).default('UTC'),
  })
  .prefault({});

/**
 * The standby cluster's VPC in drRegion (the DR ClusterStack): its own block, which must not overlap
 * the primary's, since the primary's functions reach the DR cluster's private endpoint across the
 * regions (peering or a transit gateway route only distinct ranges), and three zones of drRegion.
 */
const drNetworkSchema = z.object({
  vpcCidr: vpcCidrSchema,
  availabilityZones: availabilityZonesSchema,
  /** One while the cluster stands by; the DR side serves only after a failover. */
  natGateways: natGatewaysSchema.default(1),
});

export const drConfigSchema = z.object({
  /** Recovery point objective: the most data, in time, a failover may lose. */
  rpoSeconds: z.number().int().positive().default(300),
  /** Recovery time objective: declaration to a green validation on the DR side. Synth checks the failover's worst case against it. */
  rtoMinutes: z.number().int().positive().default(30),
  /** The standby EKS cluster in drRegion; by default `<clusterName>-dr`. */
  clusterName: z.optional(
    z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, {
      message: 'expected an EKS cluster name: letters, digits, "-" and "_", at most 100 characters',
    }),
  ),
  /** The standby cluster's network (no default: its zones are drRegion's and its block the environment's own). */
  network: drNetworkSchema,
  /** The newest SUCCESSFUL verify-backup of every source bucket must be younger than this to fail over ungated. */
  verifyBackupMaxAgeHours: z.number().positive().default(48),
  /**
   * How long a person has to approve a failover (forced ones everywhere, every one in
   * production): it counts in the RTO, so synth checks the failover's worst case with it.
   */
  approvalTimeoutMinutes: z.number().int().min(1).max(15).default(5),
  replication: replicationConfigSchema,
  drill: drillConfigSchema,
  /**
   * The platform's DNS records that dr-failover moves and dr-failback moves back: the hosted zone
   * and, per record, its drill twin and its target in each region (functions/core/dr/traffic/
   * settings.ts validates it; DR_TRAFFIC of switch-traffic and validate-dr-platform).
   */
  traffic: z.unknown(),
  /** The Prefect API as the DR side serves it (ending in `/api`): validate-dr-platform and the DR fence call it. */
  prefectApiUrl: z.url({ protocol: /^https?$/ }),
});

export type DrConfig = z.output<typeof drConfigSchema>;

/** Checks across the DR settings that the schema alone cannot make (called from the environment schema). */
export function drConfigProblems(environment: string, dr: DrConfig): string[] {
  const problems: string[] = [];
  try {
    parseTrafficSettings(JSON.stringify(dr.traffic ?? null), 'dr.traffic');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (dr.drill.enabled && environment === 'production') {
    problems.push('scheduled DR drills fail over for real: they are for staging; drill production by hand');
  }
  if (dr.replication.lagAlarmSeconds >= dr.rpoSeconds) {
    problems.push(
      `replication.lagAlarmSeconds (${dr.replication.lagAlarmSeconds}) must be below rpoSeconds (${dr.rpoSeconds}): the alarm must ring before the RPO is lost`,
    );
  }
  return problems;
}

/** The DR network against the primary's: a block of its own and zones of drRegion (called from the environment schema). */
export function drNetworkProblems(config: {
  drRegion: string;
  cluster: { vpcCidr: string };
  dr: Pick<DrConfig, 'network'>;
}): { path: string; message: string }[] {
  const { network } = config.dr;
  const problems: { path: string; message: string }[] = [];
  if (cidrsOverlap(network.vpcCidr, config.cluster.vpcCidr)) {
    problems.push({
      path: 'vpcCidr',
      message: `dr.network.vpcCidr ${network.vpcCidr} overlaps the primary cluster's cluster.vpcCidr ${config.cluster.vpcCidr}: the primary's functions reach the DR cluster across the regions, which needs distinct address ranges; expected a block outside ${config.cluster.vpcCidr}`,
    });
  }
  const elsewhere = network.availabilityZones.filter((zone) => zone.slice(0, -1) !== config.drRegion);
  if (elsewhere.length > 0) {
    problems.push({
      path: 'availabilityZones',
      message: `expected zones of drRegion ${config.drRegion}; not in it: ${elsewhere.join(', ')}`,
    });
  }
  return problems;
}

/** The standby cluster's name: configured, or `<clusterName>-dr`. */
export function drClusterName(config: { clusterName: string; dr: DrConfig }): string {
  return config.dr.clusterName ?? `${config.clusterName}-dr`;
}

/** The platform endpoints dr-failover moves (docs/dr.md): the Prefect API and UI, the object store. */
export const PLATFORM_RECORDS = ['prefect-api', 'prefect-ui', 'object-store'] as const;

/**
 * The traffic settings of a zone whose records follow the platform's convention: each endpoint
 * `<record>.<domain>` (and its drill twin `drill-<record>.<domain>`) is a CNAME to
 * `<record>.primary.<domain>` or `<record>.dr.<domain>`, the regions' own names.
 */
export function drTrafficRecords(hostedZoneId: string, domain: string, ttl = 60) {
  const target = (record: string, side: 'primary' | 'dr') => ({
    ttl,
    values: [`${record}.${side}.${domain}`],
  });
  return {
    hostedZoneId,
    records: PLATFORM_RECORDS.map((record) => ({
      name: `${record}.${domain}`,
      drillName: `drill-${record}.${domain}`,
      primary: target(record, 'primary'),
      dr: target(record, 'dr'),
    })),
  };
}
