import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler, type Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { setClientInstrumentation } from './client-instrumentation.ts';
import { ConfigurationError, InvalidInputError, LakehouseOpsError } from './errors.ts';
import { lazily } from './lazily.ts';
import { parseOrThrow } from './schema-problems.ts';

/**
 * The one middleware bundle every handler uses: Powertools logger, metrics and tracer, plus zod
 * validation of the environment and of the event. Errors leave with their `name` intact, because
 * Step Functions Retry/Catch match on it.
 */
export interface HandlerDefinition<
  EnvironmentSchema extends z.core.$ZodType,
  EventSchema extends z.core.$ZodType,
> {
  /** The handler's name (`check-nodes`), used in logs and error messages. */
  name: string;
  environment: EnvironmentSchema;
  event: EventSchema;
}

export interface HandlerTools<Environment> {
  env: Environment;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  context: Context;
}

export type ValidatedHandler<Result> = MiddyfiedHandler<unknown, Result, Error, Context>;

interface Powertools {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export function createHandler<
  EnvironmentSchema extends z.core.$ZodType,
  EventSchema extends z.core.$ZodType,
  Result,
>(
  definition: HandlerDefinition<EnvironmentSchema, EventSchema>,
  run: (event: z.output<EventSchema>, tools: HandlerTools<z.output<EnvironmentSchema>>) => Promise<Result>,
): ValidatedHandler<Result> {
  // Built on the first invocation rather than at import: the environment is only trustworthy (and
  // in the local drill, only set) once the function is invoked.
  const powertools = lazily(() => createPowertools(definition.name));

  return middy<unknown, Result, Error, Context>(async (event: unknown, context: Context): Promise<Result> => {
    const { logger, metrics, tracer } = powertools();
    const env = parseOrThrow(
      definition.environment,
      process.env,
      (problems) =>
        new ConfigurationError(`${definition.name}: invalid environment: ${problems.join('; ')}`, {
          handler: definition.name,
          problems,
        }),
      { showInput: false },
    );
    const validEvent = parseOrThrow(
      definition.event,
      event,
      (problems) =>
        new InvalidInputError(`${definition.name}: invalid event: ${problems.join('; ')}`, {
          handler: definition.name,
          problems,
        }),
    );
    return run(validEvent, { env, logger, metrics, tracer, context });
  })
    .use(deferred(() => injectLambdaContext(powertools().logger, { resetKeys: true })))
    .use(deferred(() => captureLambdaHandler(powertools().tracer)))
    .use(deferred(() => logMetrics(powertools().metrics, { captureColdStartMetric: true })))
    .use(logFailure(() => powertools().logger));
}

function createPowertools(handlerName: string): Powertools {
  const environmentName = process.env.ENVIRONMENT_NAME;
  const logger = new Logger({ persistentKeys: { handler: handlerName } });
  const metrics = new Metrics({
    // Most handlers emit no metric of their own; routing Metrics' "no application metrics"
    // warning through the logger keeps it under the configured log level instead of on stderr.
    logger,
    defaultDimensions: environmentName ? { environment: environmentName } : {},
  });
  // Tracer switches itself off outside Lambda (no AWS_EXECUTION_ENV) or with
  // POWERTOOLS_TRACE_ENABLED=false, so local runs need no X-Ray daemon.
  const tracer = new Tracer();
  if (tracer.isTracingEnabled()) {
    setClientInstrumentation((client) => tracer.captureAWSv3Client(client));
  }
  return { logger, metrics, tracer };
}

/** A Powertools middleware whose instance is created on first use, like the tools it wraps. */
function deferred(
  create: () => MiddlewareObj<unknown, unknown, Error, Context>,
): MiddlewareObj<unknown, unknown, Error, Context> {
  const middleware = lazily(create);
  return {
    before: (request) => middleware().before?.(request),
    after: (request) => middleware().after?.(request),
    onError: (request) => middleware().onError?.(request),
  };
}

/** Logs the failure with its stable name and details; never swallows it. */
function logFailure(logger: () => Logger): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request: Request<unknown, unknown, Error, Context>) => {
      const { error } = request;
      if (!error) return;
      logger().error(`handler failed with ${error.name}`, {
        error,
        details: error instanceof LakehouseOpsError ? error.details : undefined,
      });
    },
  };
}
