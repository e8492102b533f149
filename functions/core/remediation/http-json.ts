import { namedError, TransientError } from '../../commons/errors.ts';

/**
 * JSON over HTTP to the in-cluster monitoring APIs (Prometheus, Alertmanager), which the
 * remediation Lambdas reach inside the cluster's VPC. Every call has a deadline; a network error,
 * a timeout or a 5xx is a TransientError (the workflow retries the step), anything else names the
 * call and the server's answer.
 */
export interface HttpJsonOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Prometheus or Alertmanager refused the request (4xx): retrying the same request cannot help. */
export class MonitoringApiError extends namedError('MonitoringApiError') {}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function requestJson<Result>(
  what: string,
  url: string,
  options: HttpJsonOptions = {},
): Promise<Result | undefined> {
  const send = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await send(url, {
      method: options.method ?? 'GET',
      headers: options.body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new TransientError(
      `${what}: ${url} did not answer: ${(error as Error).message}`,
      { url },
      { cause: error },
    );
  }
  const text = await response.text();
  if (response.status >= 500) {
    throw new TransientError(`${what}: ${url} answered ${response.status}: ${text.slice(0, 500)}`, {
      url,
      status: response.status,
    });
  }
  if (!response.ok) {
    throw new MonitoringApiError(`${what}: ${url} answered ${response.status}: ${text.slice(0, 500)}`, {
      url,
      status: response.status,
    });
  }
  return text === '' ? undefined : (JSON.parse(text) as Result);
}
