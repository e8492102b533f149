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

/**
 * A LakehouseOpsError class named `name`, below `base`, for errors declared outside this file:
 * `export class DumpIncompleteError extends namedError('DumpIncompleteError') {}`. The name is
 * written out, never taken from the class, because bundles are minified and rename classes.
 */
export function namedError(name: string, base: typeof LakehouseOpsError = LakehouseOpsError) {
  return class extends base {
    override readonly name: string = name;
  };
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

/** A backup source bucket does not exist (or is not visible with the configured credentials). */
export class UnknownBucketError extends LakehouseOpsError {
  override readonly name = 'UnknownBucketError';
}

/**
 * A backup run cannot be finalized: some planned objects were not copied. No manifest is written,
 * so the previous complete backup stays the restore point; a re-run reuses what this run copied.
 */
export class IncompleteBackupError extends LakehouseOpsError {
  override readonly name = 'IncompleteBackupError';
}

/** A manifest (or run file) does not match its recorded SHA-256, or has none, or is malformed. */
export class ManifestTamperedError extends LakehouseOpsError {
  override readonly name = 'ManifestTamperedError';
}

/** Names that workflows Retry on. Kept here so the workflow files and the errors cannot drift. */
export const RETRYABLE_ERROR_NAMES = ['TransientError'] as const;

/**
 * A lease lock (functions/core/locks) is held by another owner until `details.expiresAt`. The
 * work it guards is already being done: skip or wait, never break the lock.
 */
export class LockHeldError extends LakehouseOpsError {
  override readonly name = 'LockHeldError';
}

/**
 * Some objects of a backup batch could not be copied (results/<n>.jsonl says which and why). The
 * batch's Distributed Map item fails, and the run's manifest will not be committed.
 */
export class BackupBatchIncompleteError extends LakehouseOpsError {
  override readonly name = 'BackupBatchIncompleteError';
}

/** The bucket has backups, but not the requested run (or the run never completed). */
export class ManifestNotFoundError extends LakehouseOpsError {
  override readonly name = 'ManifestNotFoundError';
}

/** The chosen backup holds no live object (under the requested prefix): nothing to prove or restore. */
export class EmptyBackupError extends LakehouseOpsError {
  override readonly name = 'EmptyBackupError';
}

/**
 * The restore target already holds different data under keys the restore would write. Nothing
 * was written; `details.conflicts` names the first keys and `details.conflictCount` counts them.
 */
export class RestoreConflictError extends LakehouseOpsError {
  override readonly name = 'RestoreConflictError';
}

/** Some objects could not be restored or did not verify after writing; the report says which. */
export class RestoreIncompleteError extends LakehouseOpsError {
  override readonly name = 'RestoreIncompleteError';
}

/** `Name: message` of anything thrown, for logs and messages that must say what went wrong. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
