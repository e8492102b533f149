import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, vi } from 'vitest';

/**
 * A Lambda-like context, as the Lambda runtime (and the local runner) passes it: by default with
 * the 15 minutes of a fresh invocation of the longest-running functions left.
 */
export function lambdaContext(functionName = 'lakehouse-ops-test', remainingMs = 15 * 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The AWS key pair the handlers run with in tests (local AWS stand-ins accept exactly this one). */
export const AWS_TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
export const TEST_REGION = 'eu-west-1';

export const POWERTOOLS_TEST_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
  POWERTOOLS_METRICS_NAMESPACE: 'LakehouseOpsTest',
  ENVIRONMENT_NAME: 'test',
  AWS_REGION: TEST_REGION,
  AWS_ACCESS_KEY_ID: AWS_TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: AWS_TEST_CREDENTIALS.secretAccessKey,
};

/** Sets each variable for the current test (vitest restores them with `unstubAllEnvs`). */
export function stubEnvironment(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
}

/**
 * Captures what Powertools writes (JSON logs and EMF metrics on stdout, warnings and errors on
 * stderr) instead of printing it, and parses each JSON line, so tests can assert on logs and metrics.
 */
export function captureOutput(): { lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The EMF documents (metrics) among the captured lines. */
export function emittedMetrics(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => typeof line._aws === 'object');
}

/**
 * Registers the hooks every handler test needs: Powertools output captured, the handler's
 * environment (POWERTOOLS_TEST_ENVIRONMENT plus `variables()`) stubbed, both undone afterwards.
 */
export function useHandlerEnvironment(variables: () => Record<string, string> = () => ({})): {
  output: () => ReturnType<typeof captureOutput>;
} {
  let output: ReturnType<typeof captureOutput>;
  beforeEach(() => {
    output = captureOutput();
    stubEnvironment({ ...POWERTOOLS_TEST_ENVIRONMENT, ...variables() });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  return { output: () => output };
}
