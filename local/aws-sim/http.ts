import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** One parsed HTTP request, as the service modules see it. */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * An error in the service's own vocabulary (code + HTTP status). Each protocol module renders it the
 * way its SDK client parses errors, so callers see e.g. a real `ResourceNotFoundException`.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** SNS and other query-protocol services distinguish caller faults (Sender) from their own. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export async function readSimRequest(request: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const url = new URL(request.url ?? '/', 'http://aws-sim.local');
  return {
    method: request.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: request.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

export function jsonResponse(status: number, body: unknown, contentType = 'application/json'): SimResponse {
  return { status, headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

/** JSON bodies sent by the SDK; a malformed one is the caller's fault, as in AWS. */
export function parseJsonBody(request: SimRequest): Record<string, unknown> {
  if (request.body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(request.body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through to the error below
  }
  throw new AwsServiceError('SerializationException', 'The request body is not a JSON object', 400);
}

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError('InvalidParameterException', `${field} is required and must be a string`, 400);
  }
  return value;
}

/** AWS timestamps in JSON protocols are epoch seconds (with fractions). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
