import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DirectObjectTransport } from './direct-object-transport.ts';

/**
 * The copy's two requests per object: GetObject (streamed) and the single-part PutObject of a body
 * already in memory (docs/backup.md, "Object transport and copy tuning").
 *
 * `directObjectTransport` sends them straight over node:http(s). bench/backup's CPU profile put
 * half of the copy's client CPU in the S3 client's per-request middleware (schemas, endpoint rules,
 * retry bookkeeping, user agent), and a copy Lambda is CPU-bound (1 GiB buys ~0.6 vCPU), so that
 * CPU was half of a batch's duration. What stays the SDK's: the endpoint (its rule set, resolved
 * once per bucket: virtual-hosted or path style, the signing region), the credentials (the client's
 * provider, refreshed as it decides), its clock-skew correction and retry count, and the SigV4
 * signer. Listing, HEAD, multipart and the manifests still go through the client.
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

/**
 * Signs `command` with a payload hash the caller already computed (SigV4's x-amz-content-sha256),
 * so the SDK does not hash the body again; S3 checks the body against it.
 */
export function withSignedPayloadHash<Command extends PutObjectCommand>(
  command: Command,
  sha256Hex: string,
): Command {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256Hex;
      return next(args);
    },
    { step: 'build', name: 'lakehouseOpsSignedPayloadHash' },
  );
  return command;
}

const transports = new WeakMap<S3Client, ObjectTransport>();

/** Straight over HTTP (direct-object-transport.ts), one transport per client. */
export const directObjectTransport: ObjectTransportFactory = (client) => {
  let transport = transports.get(client);
  if (!transport) {
    transport = new DirectObjectTransport(client, sdkObjectTransport(client));
    transports.set(client, transport);
  }
  return transport;
};
