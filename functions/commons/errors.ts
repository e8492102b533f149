/**
 * Typed errors with stable names. Step Functions Retry/Catch match on `name` (it becomes the
 * Lambda's errorType), so a name is part of the workflow contract: never rename one casually.
 */
export class LakehouseOpsError extends Error {
  override readonly name: string = 'LakehouseOpsError';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The event or the environment does not match its schema. Never retried. */
export class InvalidInputError extends LakehouseOpsError {
  override readonly name = 'InvalidInputError';
}

/** Deployment-time configuration is wrong (missing secret, bad endpoint). Never retried. */
export class ConfigurationError extends LakehouseOpsError {
  override readonly name = 'ConfigurationError';
}

/** A dependency (Kubernetes API, S3, AWS API) failed in a way that may pass on retry. */
export class TransientError extends LakehouseOpsError {
  override readonly name = 'TransientError';
}

/** The Kubernetes API answered with a non-retryable error (403, 404 on a required object, 422). */
export class KubernetesApiError extends LakehouseOpsError {
  override readonly name: string = 'KubernetesApiError';
}

/**
 * The Kubernetes API refused a write with 409: the object changed since it was read (Conflict) or
 * already exists (AlreadyExists). Re-read it and decide again; repeating the same write cannot help.
 */
export class KubernetesConflictError extends KubernetesApiError {
  override readonly name = 'KubernetesConflictError';
}

/**
 * An eviction was refused (429) because a PodDisruptionBudget allows no disruption right now.
 * Back off and evict again later (details.retryAfterSeconds); never delete the pod instead.
 */
export class EvictionBlockedError extends LakehouseOpsError {
  override readonly name = 'EvictionBlockedError';
}

/** The object store answered wrongly (checksum mismatch, access denied). */
export class ObjectStoreError extends LakehouseOpsError {
  override readonly name = 'ObjectStoreError';
}

/** Names that workflows Retry on. Kept here so the workflow files and the errors cannot drift. */
export const RETRYABLE_ERROR_NAMES = ['TransientError'] as const;
