import type { ReplicationLag } from '../../replication/lag.ts';
import { evaluateGate, type GateVerdict } from './verdict.ts';

/**
 * Replication lag under the RPO: the age of the oldest MinIO event not yet replicated to the DR
 * bucket (functions/core/dr/replication/lag.ts, the same measurement measure-replication-lag
 * publishes) must be below the RPO, or failing over now loses more data than the RPO allows.
 */
export interface ReplicationLagGateDependencies {
  /** measureReplicationLag over the replicated buckets. */
  measureLag: () => Promise<ReplicationLag>;
  rpoSeconds: number;
}

export function replicationLagGate({
  measureLag,
  rpoSeconds,
}: ReplicationLagGateDependencies): Promise<GateVerdict> {
  return evaluateGate('replication-lag', { limit: rpoSeconds, unit: 'seconds' }, async () => {
    const lag = await measureLag();
    const measured = Math.round(lag.lagSeconds * 10) / 10;
    const oldest = lag.oldestPending;
    const passed = lag.lagSeconds < rpoSeconds;
    const pending = oldest
      ? `the oldest unreplicated event is ${oldest.eventName} of ${oldest.bucket}/${oldest.key} at ${oldest.eventTime}`
      : 'nothing is waiting to be replicated';
    return {
      passed,
      detail: passed
        ? `replication lag is ${measured} s, under the ${rpoSeconds} s RPO (${pending})`
        : `replication lag is ${measured} s, not under the ${rpoSeconds} s RPO: ${pending}, so failing over now loses more than the RPO allows`,
      evidence: {
        measured,
        limit: rpoSeconds,
        unit: 'seconds',
        measuredAt: lag.measuredAt,
        oldestPending: oldest,
        perBucket: Object.fromEntries(
          Object.entries(lag.perBucket).map(([bucket, { lagSeconds }]) => [bucket, lagSeconds]),
        ),
      },
    };
  });
}
