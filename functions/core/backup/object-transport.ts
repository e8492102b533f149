import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, ChecksumConstructor } from '@smithy/types';
import { withSignedPayloadHash } from './s3-calls.ts';

/**
 * The copy's two requests per object: GetObject (streamed) and the single-part PutObject of a body
 * already in memory (docs/backup.md, "Object transport").
 *
 * `directObjectTransport` sends them straight over node:http(s). bench/backup's CPU profile put
 * half of the copy's client CPU in the S3 client's per-request middleware (schemas, endpoint rules,
 * retry bookkeeping, user agent), and a copy Lambda is CPU-bound (1 GiB buys ~0.6 vCPU), so that
 * CPU was half of a batch's duration. What stays the SDK's: the endpoint (its rule set, resolved
 * once per bucket: virtual-hosted or path style, the signing region), the credentials (the client's
 * provider, refreshed as it decides), the clock-skew correction it learnt, and the SigV4 signer.
 * Listing, HEAD, multipart and the manifests still go through the client.
 *
 * Its errors look like the SDK's (`name` = S3's error code, `$metadata.httpStatusCode`, Node's
 * network error codes), so isNotFound, PreconditionFailed and the transient classification treat
 * both transports alike. An endpoint whose auth scheme is not plain SigV4 (S3 Express, multi-region
 * access points) goes through the client instead.
 */
export interface ObjectTransport {
  get(request: ObjectGet): Promise<ObjectBody>;
  put(request: ObjectPut): Promise<void>;
}

export interface ObjectGet {
  readonly bucket: string;
  readonly key: string;
  /** Quoted ETag for If-Match: S3 answers 412 PreconditionFailed when the object changed. */
  readonly ifMatch?: string;
}

export interface ObjectBody {
  readonly body: Readable & AsyncIterable<Uint8Array>;
  /** As the server sent it, quotes included. */
  readonly etag: string;
  readonly contentLength: number;
}

export interface ObjectPut {
  readonly bucket: string;
  readonly key: string;
  readonly chunks: readonly Uint8Array[];
  readonly contentLength: number;
  /** The body's SHA-256 (hex): SigV4's signed payload hash, so S3 rejects a body that differs. */
  readonly sha256Hex: string;
  /** x-amz-meta-* (keys lower case, values ASCII). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** How the copy reaches an S3 API's objects; BackupDependencies.objectTransport picks one per client. */
export type ObjectTransportFactory = (client: S3Client) => ObjectTransport;

/** Through the S3 client and its middleware (tests that observe the client's commands use it). */
export const sdkObjectTransport: ObjectTransportFactory = (client) => ({
  async get({ bucket, key, ifMatch }) {
    const response = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }),
    );
    return {
      body: response.Body as Readable & AsyncIterable<Uint8Array>,
      etag: response.ETag ?? '',
      contentLength: response.ContentLength ?? Number.NaN,
    };
  },
  async put({ bucket, key, chunks, contentLength, sha256Hex, metadata }) {
    const body = chunks.length === 1 ? chunks[0]! : Readable.from(chunks, { objectMode: false });
    await client.send(
      withSignedPayloadHash(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: contentLength,
          Metadata: { ...metadata },
        }),
        sha256Hex,
      ),
    );
  },
});

const transports = new WeakMap<S3Client, ObjectTransport>();

/** Straight over HTTP, one transport (and keep-alive agent) per client. */
export const directObjectTransport: ObjectTransportFactory = (client) => {
  let transport = transports.get(client);
  if (!transport) {
    transport = new DirectObjectTransport(client);
    transports.set(client, transport);
  }
  return transport;
};

/** An idle connection is closed after this long without a byte either way; the copy's retry starts over. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
/** As the SDK's own Node handler: at most 50 connections per host. */
const MAX_SOCKETS = 50;

interface ResolvedEndpoint {
  readonly url: URL;
  readonly signer: SignatureV4;
}

interface ClientConfig {
  credentials: AwsCredentialIdentityProvider;
  sha256: ChecksumConstructor;
  systemClockOffset?: number;
}

class DirectObjectTransport implements ObjectTransport {
  private readonly endpoints = new Map<string, Promise<ResolvedEndpoint | undefined>>();
  private readonly viaClient: ObjectTransport;
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  constructor(private readonly client: S3Client) {
    this.viaClient = sdkObjectTransport(client);
  }

  async get(request: ObjectGet): Promise<ObjectBody> {
    const endpoint = await this.endpointOf(request.bucket);
    if (!endpoint) return this.viaClient.get(request);
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (request.ifMatch) headers['if-match'] = request.ifMatch;
    const response = await this.send(endpoint, 'GET', request.key, headers);
    if (response.statusCode !== 200)
      throw await s3Error(response, `GetObject ${request.bucket}/${request.key}`);
    const contentLength = Number(response.headers['content-length']);
    return { body: response, etag: String(response.headers.etag ?? ''), contentLength };
  }

  async put(request: ObjectPut): Promise<void> {
    const endpoint = await this.endpointOf(request.bucket);
    if (!endpoint) return this.viaClient.put(request);
    const headers: Record<string, string> = {
      'content-length': String(request.contentLength),
      'x-amz-content-sha256': request.sha256Hex,
    };
    for (const [name, value] of Object.entries(request.metadata)) headers[`x-amz-meta-${name}`] = value;
    const response = await this.send(endpoint, 'PUT', request.key, headers, request.chunks);
    if (response.statusCode !== 200)
      throw await s3Error(response, `PutObject ${request.bucket}/${request.key}`);
    response.resume();
  }

  /** The bucket's endpoint by the client's own rules; undefined when it signs other than SigV4. */
  private endpointOf(bucket: string): Promise<ResolvedEndpoint | undefined> {
    let endpoint = this.endpoints.get(bucket);
    if (!endpoint) {
      endpoint = this.resolve(bucket);
      // A failed resolution (credentials, configuration) is tried again by the next request.
      endpoint.catch(() => this.endpoints.delete(bucket));
      this.endpoints.set(bucket, endpoint);
    }
    return endpoint;
  }

  private async resolve(bucket: string): Promise<ResolvedEndpoint | undefined> {
    const endpoint = await objectEndpointOf(this.client, bucket);
    if (!endpoint) return undefined;
    const config = this.client.config as unknown as ClientConfig;
    const signer = new SignatureV4({
      credentials: config.credentials,
      region: endpoint.signingRegion,
      service: endpoint.signingName,
      sha256: config.sha256,
      // S3 signs the path as sent: the key is encoded once, here, never twice.
      uriEscapePath: false,
      applyChecksum: false,
    });
    return { url: endpoint.url, signer };
  }

  private async send(
    { url, signer }: ResolvedEndpoint,
    method: 'GET' | 'PUT',
    key: string,
    headers: Record<string, string>,
    body?: readonly Uint8Array[],
  ): Promise<IncomingMessage> {
    const base = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const path = `${base}${encodeObjectKey(key)}`;
    const config = this.client.config as unknown as ClientConfig;
    const signed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path,
        query: {},
        headers: { ...headers, host: url.host },
      },
      { signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)) },
    );
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(
        {
          agent: https ? this.https : this.http,
          method,
          hostname: url.hostname,
          port: url.port || undefined,
          path,
          headers: signed.headers,
          timeout: SOCKET_IDLE_TIMEOUT_MS,
        },
        resolve,
      );
      request.on('error', reject);
      request.on('timeout', () =>
        request.destroy(
          Object.assign(new Error(`${method} ${url.host}${path}: no data for ${SOCKET_IDLE_TIMEOUT_MS} ms`), {
            code: 'ETIMEDOUT',
          }),
        ),
      );
      for (const chunk of body ?? []) request.write(chunk);
      request.end();
    });
  }
}

export interface ObjectEndpoint {
  /** Where the bucket's keys go: `https://<bucket>.s3.<region>.amazonaws.com/`, or `<endpoint>/<bucket>` path style. */
  readonly url: URL;
  readonly signingRegion: string;
  readonly signingName: string;
}

/**
 * A bucket's endpoint by the client's own rule set (the one its GetObject uses), or undefined when
 * the bucket is signed other than with SigV4 (S3 Express, multi-region access points).
 */
export async function objectEndpointOf(
  client: S3Client,
  bucket: string,
): Promise<ObjectEndpoint | undefined> {
  type Instructions = Parameters<typeof getEndpointFromInstructions>;
  const resolved = await getEndpointFromInstructions(
    // The key does not change the endpoint: any key stands for all of them.
    { Bucket: bucket, Key: 'k' },
    GetObjectCommand as unknown as Instructions[1],
    client.config as unknown as Instructions[2],
  );
  const schemes = resolved.properties?.authSchemes as
    | { name?: string; signingName?: string; signingRegion?: string }[]
    | undefined;
  const scheme = schemes?.[0];
  if (scheme?.name !== 'sigv4' || !scheme.signingRegion) return undefined;
  return { url: resolved.url, signingRegion: scheme.signingRegion, signingName: scheme.signingName ?? 's3' };
}

/**
 * A key as the S3 client puts it in the path: each segment percent-encoded (RFC 3986 unreserved
 * characters kept, `!'()*` encoded too), the `/` separators kept.
 */
export function encodeObjectKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The S3 error of a non-2xx answer, shaped as the SDK's (name = S3's code, $metadata.httpStatusCode). */
async function s3Error(response: IncomingMessage, operation: string): Promise<Error> {
  const status = response.statusCode ?? 0;
  let text = '';
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (text.length < MAX_ERROR_BODY_BYTES) text += chunk.toString('utf8');
    }
  } catch {
    // The status alone still classifies the failure.
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? statusName(status);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `HTTP ${status}`;
  return Object.assign(new Error(`${operation}: ${code}: ${message}`), {
    name: code,
    $metadata: { httpStatusCode: status },
  });
}

/** What the SDK names an error without a body (HEAD-like answers, proxies). */
function statusName(status: number): string {
  if (status === 404) return 'NotFound';
  if (status === 412 || status === 304) return 'PreconditionFailed';
  return `Http${status}`;
}
