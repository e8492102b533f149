import type { EKSClient } from '@aws-sdk/client-eks';
import { describeError } from '../../../../commons/errors.ts';
import { type HttpAnswer, sendHttpRequest } from '../../../../commons/kubernetes/transport.ts';
import type { KubernetesConnectionProvider } from '../../../../commons/kubernetes-client.ts';
import { findEksCluster } from '../../../kubernetes/find-eks-cluster.ts';
import { evaluateGate, type GateConclusion, type GateVerdict } from './verdict.ts';

/**
 * The DR cluster is reachable: EKS reports its control plane ACTIVE; its Kubernetes API answers
 * /readyz (the API server's own readiness, etcd included); and it accepts the function's EKS token
 * (GET /api, which only authenticated callers may read), so the failover's later steps will be
 * able to apply manifests there. /readyz alone would not show that: it is open to anonymous callers.
 */
export interface DrClusterGateDependencies {
  /** An EKS client of the DR region. */
  eks: EKSClient;
  clusterName: string;
  /** Connections built from the same DR-region EKS client (endpoint, CA, token). */
  connections: KubernetesConnectionProvider;
  /** Deadline of each request to the Kubernetes API. */
  apiTimeoutMs?: number;
}

const DEFAULT_API_TIMEOUT_MS = 5_000;
const CHECKS = ['control plane ACTIVE', 'API ready', 'token accepted'] as const;
/** A check not made because an earlier one failed counts as failed. */
const UNIT = `checks failed of ${CHECKS.length} (${CHECKS.join(', ')})`;

export function drClusterReachableGate({
  eks,
  clusterName,
  connections,
  apiTimeoutMs = DEFAULT_API_TIMEOUT_MS,
}: DrClusterGateDependencies): Promise<GateVerdict> {
  return evaluateGate('dr-cluster-reachable', { limit: 0, unit: UNIT }, async () => {
    const cluster = await findEksCluster(eks, clusterName);
    const status = cluster?.status ?? 'MISSING';
    const evidence = { limit: 0, unit: UNIT, clusterStatus: status };
    const failed = (passedChecks: number, detail: string, extra: object = {}): GateConclusion => ({
      passed: false,
      detail,
      evidence: { ...evidence, measured: CHECKS.length - passedChecks, ...extra },
    });
    if (!cluster) return failed(0, `the DR cluster ${clusterName} does not exist in the DR region`);
    if (status !== 'ACTIVE') return failed(0, `the DR cluster ${clusterName} is ${status}, not ACTIVE`);

    const get = async (path: string) =>
      sendHttpRequest(await connections.getConnection(clusterName), { method: 'GET', path }, apiTimeoutMs);
    const started = performance.now();
    let readiness: HttpAnswer;
    try {
      readiness = await get('/readyz');
    } catch (error) {
      const reason = describeError(error);
      return failed(
        1,
        `the DR cluster ${clusterName} is ACTIVE but its Kubernetes API does not answer: ${reason}`,
        {
          apiError: reason,
        },
      );
    }
    const apiLatencyMs = Math.round(performance.now() - started);
    if (readiness.statusCode !== 200) {
      return failed(
        1,
        `the DR cluster ${clusterName} is ACTIVE but its Kubernetes API is not ready: /readyz answered HTTP ${readiness.statusCode} ${readiness.body.slice(0, 200)}`,
        { readyzStatusCode: readiness.statusCode, apiLatencyMs },
      );
    }
    const discovery = await get('/api');
    if (discovery.statusCode !== 200) {
      return failed(
        2,
        `the DR cluster ${clusterName}'s Kubernetes API is ready but refuses this function's token with HTTP ${discovery.statusCode}: give its role an access entry in the DR cluster`,
        { readyzStatusCode: 200, apiStatusCode: discovery.statusCode, apiLatencyMs },
      );
    }
    return {
      passed: true,
      detail: `the DR cluster ${clusterName} is ACTIVE (Kubernetes ${cluster.version ?? 'version unknown'}), its API is ready (${apiLatencyMs} ms) and accepts this function's token`,
      evidence: { ...evidence, measured: 0, readyzStatusCode: 200, apiStatusCode: 200, apiLatencyMs },
    };
  });
}
