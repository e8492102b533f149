import { LakehouseOpsError, TransientError } from './errors.ts';

/**
 * Which dependency failures are worth a retry. The workflows retry only `TransientError`, so every
 * client adapter funnels its failures through here: a refused connection or a throttled API call
 * becomes TransientError, anything that will fail the same way again keeps its own identity.
 */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSIENT_AWS_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServiceError',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** A connection-level failure (refused, reset, DNS), looking through `cause` and AggregateError. */
export function isNetworkError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const shape = error as ErrorShape;
  if (typeof shape.code === 'string' && NETWORK_ERROR_CODES.has(shape.code)) return true;
  if (Array.isArray(shape.errors) && shape.errors.some((inner) => isNetworkError(inner, depth + 1)))
    return true;
  return isNetworkError(shape.cause, depth + 1);
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as ErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isTransientAwsError(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as ErrorShape;
  if (shape.$retryable) return true;
  if (typeof shape.name === 'string' && TRANSIENT_AWS_ERROR_NAMES.has(shape.name)) return true;
  const status = httpStatusOf(error);
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * The error to throw after an AWS SDK call failed: ours unchanged, transient ones as
 * TransientError (naming the operation), anything else as it came.
 */
export function classifyAwsError(error: unknown, operation: string): unknown {
  if (error instanceof LakehouseOpsError || !isTransientAwsError(error)) return error;
  const { name, message } = error as Error;
  return new TransientError(
    `${operation} failed transiently: ${message || name}`,
    { operation, errorName: name, httpStatusCode: httpStatusOf(error) },
    { cause: error },
  );
}

/** Runs one AWS call and rethrows its failure through `classifyAwsError`. */
export async function callAws<Result>(operation: string, call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, operation);
  }
}
