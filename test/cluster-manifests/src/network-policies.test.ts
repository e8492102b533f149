import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { MINIO_S3_PORT } from '../../../cluster-manifests/src/minio.ts';
import { ALERTMANAGER_PORT, PROMETHEUS_PORT } from '../../../cluster-manifests/src/monitoring/ports.ts';
import {
  INGRESS_GATEWAY_NAMESPACE,
  networkPolicies,
} from '../../../cluster-manifests/src/network-policies.ts';
import { PREFECT_API_PORT } from '../../../cluster-manifests/src/prefect.ts';

/**
 * The ops Lambdas run in the cluster VPC and reach the in-cluster APIs through the ingress
 * gateway's internal load balancer (docs/architecture.md), so each API's pods must admit the
 * gateway on their port, or the workflow steps that call them time out in a real cluster.
 */
const environment = loadClusterEnvironment('production');
const policies = networkPolicies(environment) as V1NetworkPolicy[];

function admitsGateway(policyName: string, namespace: string, port: number): boolean {
  const policy = policies.find(
    (candidate) => candidate.metadata?.name === policyName && candidate.metadata.namespace === namespace,
  );
  if (!policy) throw new Error(`no NetworkPolicy ${namespace}/${policyName}`);
  return (policy.spec?.ingress ?? []).some(
    (rule) =>
      (rule.ports ?? []).some((allowed) => allowed.port === port) &&
      (rule._from ?? (rule as { from?: typeof rule._from }).from ?? []).some(
        (peer) =>
          peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ===
            INGRESS_GATEWAY_NAMESPACE && peer.podSelector === undefined,
      ),
  );
}

describe('networkPolicies', () => {
  const { prefect, minio, monitoring } = environment.layout;

  it.each([
    ['prefect-server', prefect.namespace, PREFECT_API_PORT, 'the Prefect checks and scale-prefect-workers'],
    ['minio', minio.namespace, MINIO_S3_PORT, 'the backup copy and the MinIO probe'],
    ['prometheus', monitoring.namespace, PROMETHEUS_PORT, "remediate's verification"],
    ['alertmanager', monitoring.namespace, ALERTMANAGER_PORT, "remediate's silences"],
  ])('admits the ingress gateway to %s on its API port (for %s)', (policy, namespace, port) => {
    expect(admitsGateway(policy, namespace, port)).toBe(true);
  });

  it('admits the gateway nowhere else in the monitoring namespace', () => {
    expect(admitsGateway('grafana', monitoring.namespace, ALERTMANAGER_PORT)).toBe(false);
  });
});
