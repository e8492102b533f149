import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { REPO_ROOT } from '../../infra/constructs/ops-function.ts';
import type { LocalFunction } from './lambda-functions.ts';

/**
 * Calls a handler the way the Lambda service and Step Functions do: a fresh context per invocation,
 * the result passed through JSON (what crosses the wire), and a thrown error reported under its
 * `name` with the Node.js runtime's JSON error document as the cause, so Retry/Catch match on the
 * same error names as in AWS and `$.error.Cause` holds the same text.
 */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** An invocation error as Step Functions sees it: Error = errorType, Cause = the runtime's JSON. */
export class LambdaInvocationError extends Error {
  constructor(errorType: string, cause: string) {
    super(cause);
    this.name = errorType;
  }
}

export async function importHandler(fn: LocalFunction): Promise<LambdaHandler> {
  const modulePath = path.join(REPO_ROOT, fn.handlerModule);
  const module = (await import(pathToFileURL(modulePath).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new Error(`${fn.handlerModule} (function ${fn.functionName}) does not export a handler function`);
  }
  return module.handler as LambdaHandler;
}

export async function invokeLikeLambda(
  fn: LocalFunction,
  handler: LambdaHandler,
  event: unknown,
): Promise<unknown> {
  const context = lambdaContext(fn);
  let result: unknown;
  let timer: NodeJS.Timeout | undefined;
  // Lambda ends an invocation at the function's timeout, whatever the handler is still doing.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(sandboxTimeout(fn)), fn.timeoutSeconds * 1000);
  });
  try {
    result = await Promise.race([handler(structuredClone(event), context), timedOut]);
  } catch (error) {
    throw error instanceof LambdaInvocationError ? error : toInvocationError(error);
  } finally {
    clearTimeout(timer);
  }
  // Lambda serializes the result: undefined becomes null, Dates become strings, and so on.
  return JSON.parse(JSON.stringify(result ?? null));
}

function lambdaContext(fn: LocalFunction): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is the legacy callback API, which the handlers do not use`);
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.functionArn,
    memoryLimitInMB: String(fn.memorySizeMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/** What Step Functions reports when a Lambda function runs out of time. */
function sandboxTimeout(fn: LocalFunction): LambdaInvocationError {
  const errorMessage = `${new Date().toISOString()} ${randomUUID()} Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`;
  return new LambdaInvocationError('Sandbox.Timedout', JSON.stringify({ errorMessage }));
}

function toInvocationError(error: unknown): LambdaInvocationError {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  return new LambdaInvocationError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}
