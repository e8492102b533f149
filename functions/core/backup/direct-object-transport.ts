import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, ChecksumConstructor, Provider } from '@smithy/types';
import { objectEndpointOf } from './object-endpoint.ts';
import type { ObjectBody, ObjectGet, ObjectPut, ObjectTransport } from './object-transport.ts';
import { type RetryPolicy, withRetries } from './retry.ts';
import { encodeObjectKey } from './s3-calls.ts';
import { learnClockSkew, s3Error } from './s3-wire-errors.ts';

/**
 * directObjectTransport's HTTP side (docs/backup.md, "Object transport and copy tuning"): each
 * request signed with the SDK's SigV4 signer for the bucket's endpoint, sent on a shared keep-alive
 * agent, retried as the client would retry it, and learning the server's clock as the client does.
 */

/** An idle connection is closed after this long without a byte either way; the copy's retry starts over. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
/** As the SDK's own Node handler: at most 50 connections per host. */
const MAX_SOCKETS = 50;
/**
 * As the SDK: a body this large is sent only once the server said `100 Continue`, so a refusal
 * (403, 301) costs no upload and cannot be lost in a reset while the body is still being written.
 */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;
/** A server that never answers `Expect: 100-continue` gets the body after this long anyway (as the SDK). */
const CONTINUE_WAIT_MS = 1_000;
/** Backoff of the transport's own retries (the client's maxAttempts), as the SDK's standard mode. */
const CLIENT_RETRY_BACKOFF = { baseDelayMs: 100, maxDelayMs: 20_000 };

// Shared by every client: sockets are per host anyway. Free sockets are unref'd, so they never keep a
// process alive. Requests that wait for 100-continue take a fresh connection (as the SDK does), so a
// connection left in an unknown state by an early answer is never reused.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
};
const freshConnections = {
  'http:': new HttpAgent({ keepAlive: false }),
  'https:': new HttpsAgent({ keepAlive: false }),
};

interface ResolvedEndpoint {
  readonly url: URL;
  readonly signer: SignatureV4;
}

/** What the transport reads from the S3 client's resolved configuration. */
export interface ClientWireConfig {
  credentials: Provider<AwsCredentialIdentity>;
  sha256: ChecksumConstructor;
  maxAttempts: Provider<number>;
  systemClockOffset?: number;
  disableClockSkewCorrection?: Provider<boolean | undefined>;
}

export class DirectObjectTransport implements ObjectTransport {
  private readonly endpoints = new Map<string, Promise<ResolvedEndpoint | undefined>>();

  constructor(
    private readonly client: S3Client,
    /** For buckets whose endpoint is not signed with plain SigV4. */
    private readonly viaClient: ObjectTransport,
  ) {}

  private get config(): ClientWireConfig {
    return this.client.config as unknown as ClientWireConfig;
  }

  async get(request: ObjectGet): Promise<ObjectBody> {
    const endpoint = await this.endpointOf(request.bucket);
    if (!endpoint) return this.viaClient.get(request);
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (request.ifMatch) headers['if-match'] = request.ifMatch;
    const response = await this.exchange(`GetObject ${request.bucket}/${request.key}`, () =>
      this.send(endpoint, 'GET', request.key, headers),
    );
    return {
      body: response,
      etag: String(response.headers.etag ?? ''),
      contentLength: Number(response.headers['content-length']),
    };
  }

  async put(request: ObjectPut): Promise<void> {
    const endpoint = await this.endpointOf(request.bucket);
    if (!endpoint) return this.viaClient.put(request);
    const headers: Record<string, string> = {
      'content-length': String(request.contentLength),
      'x-amz-content-sha256': request.sha256Hex,
    };
    if (request.contentLength >= EXPECT_CONTINUE_BYTES) headers.expect = '100-continue';
    for (const [name, value] of Object.entries(request.metadata)) headers[`x-amz-meta-${name}`] = value;
    const response = await this.exchange(`PutObject ${request.bucket}/${request.key}`, () =>
      this.send(endpoint, 'PUT', request.key, headers, request.chunks),
    );
    response.resume();
  }

  /**
   * One request until a 2xx answer, retried on transient failures up to the client's maxAttempts
   * (the copy's own retry then starts the object over). Every answer teaches the client's clock.
   */
  private async exchange(operation: string, send: () => Promise<IncomingMessage>): Promise<IncomingMessage> {
    const policy: RetryPolicy = { maxAttempts: await this.config.maxAttempts(), ...CLIENT_RETRY_BACKOFF };
    const learnsClock = (await this.config.disableClockSkewCorrection?.()) !== true;
    return withRetries(
      operation,
      async () => {
        const response = await send();
        const skewCorrected = learnsClock && learnClockSkew(this.config, response.headers.date);
        if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) {
          return response;
        }
        throw await s3Error(response, operation, skewCorrected);
      },
      policy,
    );
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
    const signer = new SignatureV4({
      // Read at each signature: the client's provider refreshes, and may itself be replaced.
      credentials: () => this.config.credentials(),
      region: endpoint.signingRegion,
      service: endpoint.signingName,
      sha256: this.config.sha256,
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
    // The URL keeps an IPv6 literal's brackets; the socket wants the bare address, the host header both.
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port ? Number(url.port) : undefined;
    const signed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname,
        port,
        path,
        query: {},
        headers: { ...headers, host: url.host },
      },
      { signingDate: new Date(Date.now() + (this.config.systemClockOffset ?? 0)) },
    );
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const waitsForContinue = headers.expect === '100-continue';
    return new Promise((resolve, reject) => {
      const request = (protocol === 'https:' ? httpsRequest : httpRequest)(
        {
          agent: (waitsForContinue ? freshConnections : agents)[protocol],
          method,
          hostname,
          port,
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
      const writeBody = () => {
        for (const chunk of body ?? []) request.write(chunk);
        request.end();
      };
      if (!waitsForContinue) return writeBody();
      let answered = false;
      const timer = setTimeout(() => {
        if (!answered) writeBody();
        answered = true;
      }, CONTINUE_WAIT_MS);
      request.once('continue', () => {
        clearTimeout(timer);
        if (!answered) writeBody();
        answered = true;
      });
      // An answer before `100 Continue` (a refusal): the body is never sent, the connection not reused.
      request.once('response', () => {
        clearTimeout(timer);
        answered = true;
      });
    });
  }
}
