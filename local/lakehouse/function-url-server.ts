import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';

/**
 * A Lambda Function URL on loopback, so that a real webhook sender (Alertmanager, MinIO's bucket
 * notifications, a bench) can deliver to a local handler: each HTTP request becomes the Function
 * URL event (payload format 2.0) and goes to the `handler` that is deployed, whose response goes
 * back as the Function URL would send it. Handlers read their environment from process.env: the
 * caller sets it.
 */
export type FunctionUrlHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface FunctionUrlServerOptions {
  /** The deployed handler the URL invokes. */
  handler: FunctionUrlHandler;
  /** The function's name in the Lambda context the handler gets (its logs show it). */
  functionName: string;
  /** 127.0.0.1 unless told otherwise: webhooks are not for the network. */
  host?: string;
  /** 0 (the default) lets the system pick a free port. */
  port?: number;
}

export interface FunctionUrlServer {
  /** The Function URL (`http://127.0.0.1:<port>/`): where a webhook sender should point. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Function URLs refuse larger requests before invoking the function. */
export const FUNCTION_URL_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
// What a Function URL returns when the function fails (it hides the error from the caller).
const INTERNAL_SERVER_ERROR = {
  statusCode: 502,
  headers: { 'content-type': 'application/json' },
  body: '{"Message":"Internal Server Error"}',
};

export async function startFunctionUrlServer(options: FunctionUrlServerOptions): Promise<FunctionUrlServer> {
  const { handler, functionName } = options;
  const server = createServer((request, response) => {
    serve(handler, functionName, request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  // Webhook senders (Alertmanager, MinIO) keep connections alive; so must we, or every delivery pays a TCP handshake.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  handler: FunctionUrlHandler,
  functionName: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readBody(request);
  if (body === undefined) {
    send(response, {
      statusCode: 413,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Message: `Request must be smaller than ${FUNCTION_URL_MAX_REQUEST_BYTES} bytes`,
      }),
    });
    return;
  }
  let result: unknown;
  try {
    result = await handler(functionUrlEvent(request, body), lambdaContext(functionName));
  } catch {
    // The handler has logged it (middleware); a Function URL answers 502 and says no more.
    send(response, INTERNAL_SERVER_ERROR);
    return;
  }
  send(response, functionUrlResponse(result));
}

/** The whole body, or undefined once it passes the Function URL limit (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes > FUNCTION_URL_MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Content types a Function URL passes as text; any other body (or none given) arrives base64. */
const TEXT_CONTENT_TYPE =
  /^(text\/|application\/(json|javascript|xml|yaml|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i;

export function functionUrlEvent(request: IncomingMessage, body: Buffer): Record<string, unknown> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = lowerCaseHeaders(request);
  const isText = TEXT_CONTENT_TYPE.test(headers['content-type'] ?? '');
  const now = new Date();
  const http = {
    method: request.method ?? 'GET',
    path: url.pathname,
    protocol: `HTTP/${request.httpVersion}`,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    userAgent: headers['user-agent'] ?? '',
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http,
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString(isText ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** Function URLs hand the function lower-case names, repeated headers joined with commas. */
function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A result with a statusCode is the response; anything else is a 200 with the result as JSON. */
function functionUrlResponse(result: unknown): HttpResult {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const { statusCode, headers, body } = result as Partial<HttpResult>;
    return { statusCode: Number(statusCode), headers: headers ?? {}, body: body ?? '' };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
}

function send(response: ServerResponse, result: HttpResult): void {
  response.writeHead(result.statusCode, {
    ...result.headers,
    'content-length': Buffer.byteLength(result.body),
  });
  response.end(result.body);
}

function lambdaContext(functionName: string): Context {
  const awsRequestId = randomUUID();
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is the legacy callback API, which the handlers do not use`);
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    // Function URLs time out after the function's timeout; locally nothing cuts the call short.
    getRemainingTimeInMillis: () => 30_000,
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
