import {
  type ApplySettings,
  applySettingsSchema,
} from '../../../../../functions/core/cost/apply/settings.ts';
import type { Recommendation, WorkloadRef } from '../../../../../functions/core/cost/recommendation.ts';
import { defaultPlatformLayout } from '../../../../../functions/core/platform/layout.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';
import { useKubeSimCluster } from '../../remediation/playbooks/kube-sim-cluster.ts';

/**
 * What the plan, apply and rollback tests share: kube-sim (a fresh cluster per test) and the ops
 * table on dynalite, and a recommendation for the `main` container of kube-sim's Deployment
 * fixture (requests 100m / 128Mi, limit 256Mi).
 */
export const MIB = 2 ** 20;
export const NOW = new Date('2026-11-30T02:00:00.000Z');

export function useRightsizingBackends() {
  const cluster = useKubeSimCluster();
  const dynamo = useLocalDynamoDb();
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE });
  return { cluster, dynamo, table };
}

export function settings(overrides: Partial<ApplySettings> = {}): ApplySettings {
  return applySettingsSchema.parse({ mode: 'on', requireApproval: false, ...overrides });
}

export function planDependencies(
  backends: ReturnType<typeof useRightsizingBackends>,
  overrides: Partial<ApplySettings> = {},
  now = NOW,
) {
  return {
    kubernetes: backends.cluster.api(),
    history: backends.table(),
    layout: defaultPlatformLayout,
    settings: settings(overrides),
    environment: 'development',
    now,
  };
}

export function changeDependencies(backends: ReturnType<typeof useRightsizingBackends>, now = NOW) {
  return { kubernetes: backends.cluster.api(), history: backends.table(), audit: backends.table(), now };
}

export function recommendationFor(
  workload: Partial<WorkloadRef> & Pick<WorkloadRef, 'name'>,
  recommended: Recommendation['recommended'] = {
    requests: { cpuCores: 0.08, memoryBytes: 112 * MIB },
    limits: { memoryBytes: 224 * MIB },
  },
): Recommendation {
  return {
    workload: { namespace: 'prefect', kind: 'Deployment', container: 'main', ...workload },
    replicas: 2,
    current: { requests: { cpuCores: 0.1, memoryBytes: 128 * MIB }, limits: { memoryBytes: 256 * MIB } },
    recommended,
    confidence: 'high',
    evidence: {
      historyHours: 336,
      cpuP95Cores: 0.05,
      cpuP99Cores: 0.06,
      cpuMaxCores: 0.07,
      memoryP99Bytes: 90 * MIB,
      memoryPeakBytes: 100 * MIB,
      oomKills: 0,
      hpaResources: [],
    },
    monthlySavingUsd: 3.5,
    notes: [],
  };
}
