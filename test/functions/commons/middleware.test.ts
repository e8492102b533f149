import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { powertoolsEnvironment } from '../../../functions/commons/environment.ts';
import { TransientError } from '../../../functions/commons/errors.ts';
import { createHandler } from '../../../functions/commons/middleware.ts';
import { validatePlatformRequestSchema } from '../../../functions/core/validation/request.ts';
import {
  captureOutput,
  emittedMetrics,
  lambdaContext,
  POWERTOOLS_TEST_ENVIRONMENT,
  stubEnvironment,
} from '../support/lambda.ts';
import { rejectionOf } from '../support/rejection.ts';

const environment = z.extend(powertoolsEnvironment, {
  CLUSTER_NAME: z.string().check(z.minLength(1)),
  MINIO_ENDPOINT: z.url(),
});

function echoHandler() {
  return createHandler(
    { name: 'echo', environment, event: validatePlatformRequestSchema },
    async (event, { env, context, tracer }) => ({
      event,
      cluster: env.CLUSTER_NAME,
      requestId: context.awsRequestId,
      tracing: tracer.isTracingEnabled(),
    }),
  );
}

describe('createHandler', () => {
  let output: ReturnType<typeof captureOutput>;

  beforeEach(() => {
    output = captureOutput();
    stubEnvironment({
      ...POWERTOOLS_TEST_ENVIRONMENT,
      CLUSTER_NAME: 'lakehouse',
      MINIO_ENDPOINT: 'http://127.0.0.1:9000',
    });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('passes the validated environment, the event with defaults and the context to the handler', async () => {
    const result = await echoHandler()({ notify: false }, lambdaContext());

    expect(result).toEqual({
      event: { suite: 'full', notify: false, requestedBy: 'console', performance: false },
      cluster: 'lakehouse',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      tracing: false,
    });
  });

  it('throws ConfigurationError naming every bad variable when the environment is invalid', async () => {
    vi.stubEnv('CLUSTER_NAME', undefined);
    vi.stubEnv('MINIO_ENDPOINT', 'not a url with secret-ish value');

    const error = await rejectionOf(echoHandler()({}, lambdaContext()));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('CLUSTER_NAME: expected string, got nothing (missing)');
    expect(error.message).toContain('MINIO_ENDPOINT: invalid URL');
    expect(error.message).not.toContain('secret-ish');
  });

  it('throws InvalidInputError naming each field, what was expected and what came when the event is invalid', async () => {
    const error = await rejectionOf(
      echoHandler()({ suite: 'fast', notify: 'yes', notfy: false }, lambdaContext()),
    );

    expect(error.name).toBe('InvalidInputError');
    expect(error.details?.problems).toEqual([
      'suite: expected one of "full", got "fast"',
      'notify: expected boolean, got "yes"',
      'notfy: unknown key, not accepted here',
    ]);
  });

  it('rethrows the handler error with its name and details so Step Functions can match on them', async () => {
    const handler = createHandler(
      { name: 'flaky', environment: powertoolsEnvironment, event: z.unknown() },
      async () => {
        throw new TransientError('Kubernetes API answered 503', { httpStatusCode: 503 });
      },
    );

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.name).toBe('TransientError');
    expect(error.details).toEqual({ httpStatusCode: 503 });
    const logged = output.lines().find((line) => line.level === 'ERROR');
    expect(logged).toMatchObject({ message: 'handler failed with TransientError', handler: 'flaky' });
  });

  it('publishes metrics in the configured namespace with the environment as a default dimension', async () => {
    const handler = createHandler(
      { name: 'measured', environment: powertoolsEnvironment, event: z.unknown() },
      async (_event, { metrics }) => {
        metrics.addMetric('ProbeCount', 'Count', 1);
        return 'done';
      },
    );

    await handler({}, lambdaContext());

    const documents = emittedMetrics(output.lines());
    const probe = documents.find((document) => 'ProbeCount' in document);
    expect(probe).toMatchObject({ ProbeCount: 1, environment: 'test', service: 'lakehouse-ops' });
    expect(probe?._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'LakehouseOpsTest' }] });
  });

  it('runs without an X-Ray daemon when it believes it is in Lambda with tracing on', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs20.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');

    const result = await echoHandler()({}, lambdaContext());

    expect(result.tracing).toBe(true);
    expect(result.event.suite).toBe('full');
  });
});
