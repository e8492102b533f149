import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A path-style S3 object endpoint (PUT and GET of objects, in memory) that checks every request's
 * SigV4 signature the way S3 does, written here from the AWS specification and independent of the
 * SDK's signer: s3rver does not check signatures at all. An S3 client's own requests must pass it
 * too (the tests prove the checker against the SDK before trusting it with the direct transport).
 */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly signedHeaders: readonly string[];
  readonly bodyBytes: number;
  /** Why the signature was refused, when it was. */
  readonly refused?: string;
}

export interface SigV4ObjectServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Answers the next requests with this instead (status, optional headers and body). */
  failNext(count: number, answer: { status: number; headers?: Record<string, string>; body?: string }): void;
  /** The server's clock, as its Date header says, this far ahead of the real one. */
  setClockAheadMs(ms: number): void;
}

interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly metadata: Record<string, string>;
}

const FIVE_MINUTES_MS = 5 * 60 * 1000;
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export function useSigV4ObjectServer(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
}): () => SigV4ObjectServer {
  const objects = new Map<string, StoredObject>();
  const requests: SeenRequest[] = [];
  const failures: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  let clockAheadMs = 0;
  let url = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, Buffer.concat(chunks), response));
  });

  function answer(request: IncomingMessage, body: Buffer, response: ServerResponse) {
    const now = new Date(Date.now() + clockAheadMs);
    response.setHeader('date', now.toUTCString());
    response.setHeader('x-amz-request-id', `request-${requests.length + 1}`);
    const verdict = checkSignature(request, body, credentials, now);
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      signedHeaders: verdict.signedHeaders,
      bodyBytes: body.length,
      ...(verdict.refused ? { refused: verdict.refused } : {}),
    });
    const failure = failures.shift();
    if (failure) {
      response.writeHead(failure.status, failure.headers).end(failure.body);
      return;
    }
    if (verdict.refused) return xmlError(response, 403, verdict.code, verdict.refused);
    const key = decodeURIComponent((request.url ?? '').split('?')[0]!);
    if (request.method === 'PUT') {
      const metadata = Object.fromEntries(
        Object.entries(request.headers)
          .filter(([name]) => name.startsWith('x-amz-meta-'))
          .map(([name, value]) => [name.slice('x-amz-meta-'.length), String(value)]),
      );
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      objects.set(key, { body, etag, metadata });
      response.writeHead(200, { etag }).end();
      return;
    }
    const object = objects.get(key);
    if (!object) return xmlError(response, 404, 'NoSuchKey', 'The specified key does not exist.');
    const ifMatch = request.headers['if-match'];
    if (ifMatch && ifMatch !== object.etag) {
      return xmlError(response, 412, 'PreconditionFailed', 'At least one of the preconditions failed.');
    }
    const metaHeaders = Object.fromEntries(
      Object.entries(object.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
    );
    response
      .writeHead(200, { etag: object.etag, 'content-length': String(object.body.length), ...metaHeaders })
      .end(object.body);
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  return () => ({
    url,
    requests,
    failNext(count, failure) {
      for (let index = 0; index < count; index++) failures.push(failure);
    },
    setClockAheadMs(ms) {
      clockAheadMs = ms;
    },
  });
}

function xmlError(response: ServerResponse, status: number, code: string, message: string) {
  response
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
}

interface Verdict {
  readonly signedHeaders: string[];
  readonly refused?: string;
  readonly code: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** SigV4 as S3 checks it: the path as sent (S3 does not normalise it), the payload hash as declared. */
function checkSignature(
  request: IncomingMessage,
  body: Buffer,
  credentials: { accessKeyId: string; secretAccessKey: string },
  now: Date,
): Verdict {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return { signedHeaders: [], refused: 'no SigV4 Authorization header', code: 'AccessDenied' };
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  const signedHeaders = signedHeaderList!.split(';');
  const refuse = (refused: string, code = 'SignatureDoesNotMatch'): Verdict => ({
    signedHeaders,
    refused,
    code,
  });
  if (accessKeyId !== credentials.accessKeyId)
    return refuse(`unknown access key ${accessKeyId}`, 'InvalidAccessKeyId');
  for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return refuse(`${required} is not signed`);
  }
  if (
    request.headers['x-amz-security-token'] !== undefined &&
    !signedHeaders.includes('x-amz-security-token')
  ) {
    return refuse('x-amz-security-token is not signed');
  }
  const amzDate = String(request.headers['x-amz-date']);
  const requestTime = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!(Math.abs(requestTime - now.getTime()) < FIVE_MINUTES_MS)) {
    return refuse(`request time ${amzDate} is more than 5 minutes from the server's`, 'RequestTimeTooSkewed');
  }
  const payloadHash = String(request.headers['x-amz-content-sha256']);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(body)) {
    return refuse('the body does not match x-amz-content-sha256', 'XAmzContentSHA256Mismatch');
  }
  const [path = '', query = ''] = (request.url ?? '').split('?');
  const canonicalQuery = query
    .split('&')
    .filter(Boolean)
    .map((pair) => (pair.includes('=') ? pair : `${pair}=`))
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date!), region!), service!),
    'aws4_request',
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? { signedHeaders, code: '' } : refuse('the signature does not match');
}
