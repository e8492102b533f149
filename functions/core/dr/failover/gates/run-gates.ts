import { type DrClusterGateDependencies, drClusterReachableGate } from './dr-cluster-reachable.ts';
import { drNodeGroupsCapacityGate, type NodeGroupsGateDependencies } from './dr-node-groups-capacity.ts';
import { type ImagesGateDependencies, imagesInDrRegionGate } from './images-in-dr-region.ts';
import { type LastVerifyBackupGateDependencies, lastVerifyBackupGate } from './last-verify-backup.ts';
import { type ReplicationLagGateDependencies, replicationLagGate } from './replication-lag.ts';
import { type GateName, type GateVerdict, listInWords } from './verdict.ts';

/**
 * All the failover gates at once, and what they decide together: PASSED when every gate passed;
 * otherwise FAILED, which stops the failover, or FORCED when the request said `force`, which lets
 * it go on only after a person approves (the workflow's task-token approval).
 */
export interface FailoverGateDependencies {
  replicationLag: ReplicationLagGateDependencies;
  lastVerifyBackup: LastVerifyBackupGateDependencies;
  drCluster: DrClusterGateDependencies;
  drNodeGroups: NodeGroupsGateDependencies;
  images: ImagesGateDependencies;
}

export type GateDecisionStatus = 'PASSED' | 'FAILED' | 'FORCED';

export interface GateDecision {
  status: GateDecisionStatus;
  failedGates: GateName[];
  /** FORCED: the failover may go on only once a person approves going past the failed gates. */
  approvalRequired: boolean;
  summary: string;
}

export interface GateReport {
  checkedAt: string;
  verdicts: GateVerdict[];
  decision: GateDecision;
}

export async function runGates(
  dependencies: FailoverGateDependencies,
  { force, clock = () => new Date() }: { force: boolean; clock?: () => Date },
): Promise<GateReport> {
  const checkedAt = clock().toISOString();
  const verdicts = await Promise.all([
    replicationLagGate(dependencies.replicationLag),
    lastVerifyBackupGate(dependencies.lastVerifyBackup),
    drClusterReachableGate(dependencies.drCluster),
    drNodeGroupsCapacityGate(dependencies.drNodeGroups),
    imagesInDrRegionGate(dependencies.images),
  ]);
  return { checkedAt, verdicts, decision: decide(verdicts, force) };
}

export function decide(verdicts: readonly GateVerdict[], force: boolean): GateDecision {
  const failedGates = verdicts.filter((verdict) => !verdict.passed).map((verdict) => verdict.gate);
  if (failedGates.length === 0) {
    return {
      status: 'PASSED',
      failedGates,
      approvalRequired: false,
      summary: `all ${verdicts.length} failover gates passed`,
    };
  }
  const failed = `${failedGates.length} of ${verdicts.length} failover gates failed (${listInWords(failedGates)})`;
  return force
    ? {
        status: 'FORCED',
        failedGates,
        approvalRequired: true,
        summary: `${failed}; the request forces the failover, so it goes on only once a person approves`,
      }
    : {
        status: 'FAILED',
        failedGates,
        approvalRequired: false,
        summary: `${failed}: the failover stops here; fix what they name, or re-run with force and an approval`,
      };
}
