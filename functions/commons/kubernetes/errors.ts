import type { V1Status } from '@kubernetes/client-node';
import {
  ConfigurationError,
  EvictionBlockedError,
  KubernetesApiError,
  KubernetesConflictError,
  LakehouseOpsError,
  TransientError,
} from '../errors.ts';
import { isNetworkError } from '../transient-errors.ts';

/**
 * Maps Kubernetes API failures to the workflows' error vocabulary (functions/commons/errors.ts):
 * overload, server errors and network failures may pass on retry (TransientError); refusals will not
 * (KubernetesApiError, KubernetesConflictError for 409); a PodDisruptionBudget refusing an eviction
 * is its own EvictionBlockedError, because the right reaction is to wait, not to fail.
 */

/** The Kubernetes Status in an error body; a body that is not one keeps its text as the message. */
export function statusOf(body: string): V1Status {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as V1Status;
  } catch {
    // Not JSON: a proxy or load balancer answered, not the API server.
  }
  const text = body.trim();
  return text ? { message: text } : {};
}

function describe(operation: string, statusCode: number, status: V1Status): string {
  const reason = status.reason ? ` ${status.reason}` : '';
  const message = status.message ? `: ${status.message}` : '';
  // An eviction's Status says "would violate the pod's disruption budget"; the cause says which one.
  const causes = (status.details?.causes ?? [])
    .map((cause) => cause.message)
    .filter((text): text is string => !!text && !status.message?.includes(text));
  const because = causes.length > 0 ? ` (${causes.join('; ')})` : '';
  return `${operation}: Kubernetes API answered ${statusCode}${reason}${message}${because}`;
}

/** The error for a non-2xx answer. `eviction` marks a POST to the eviction subresource. */
export function errorFromResponse(
  operation: string,
  statusCode: number,
  body: string,
  options: { eviction?: boolean } = {},
): LakehouseOpsError {
  const status = statusOf(body);
  const message = describe(operation, statusCode, status);
  const details = {
    operation,
    httpStatusCode: statusCode,
    reason: status.reason,
    statusMessage: status.message,
    status,
  };
  if (options.eviction && statusCode === 429) {
    return new EvictionBlockedError(message, {
      ...details,
      retryAfterSeconds: status.details?.retryAfterSeconds,
    });
  }
  if (statusCode >= 500 || statusCode === 429 || statusCode === 408)
    return new TransientError(message, details);
  if (statusCode === 409) return new KubernetesConflictError(message, details);
  return new KubernetesApiError(message, details);
}

/** Certificate failures: the CA from DescribeCluster does not match the server, and will not on retry. */
const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error for a request that got no answer: ours unchanged, network failures as TransientError. */
export function errorFromFailure(operation: string, error: unknown): unknown {
  if (error instanceof LakehouseOpsError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TLS_VERIFICATION_CODES.has(code)) {
    return new ConfigurationError(
      `${operation}: the Kubernetes API server's certificate is not trusted (${code}); check the cluster's certificate authority`,
      { operation, code },
      { cause: error },
    );
  }
  if (isNetworkError(error)) {
    return new TransientError(
      `${operation}: Kubernetes API unreachable: ${(error as Error).message}`,
      { operation, code },
      { cause: error },
    );
  }
  return error;
}

/** True for a KubernetesApiError whose answer was 404: for callers to whom "already gone" is fine. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.details.httpStatusCode === 404;
}
