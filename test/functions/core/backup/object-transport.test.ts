import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetworkError, isTransientAwsError } from '../../../../functions/commons/transient-errors.ts';
import {
  directObjectTransport,
  encodeObjectKey,
  type ObjectTransportFactory,
  objectEndpointOf,
  sdkObjectTransport,
} from '../../../../functions/core/backup/object-transport.ts';
import { isNotFound } from '../../../../functions/core/backup/s3-calls.ts';
import { BACKUP_BUCKET, s3ClientFor, useBackupEndpoints } from './support/backup-endpoints.ts';

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const AWKWARD_KEYS = [
  'plain/part-000001.parquet',
  'spaces and (brackets)/ticks 1.json',
  "punctuation/a+b=c&d;e,f!g'h*i~j.csv",
  'unicode/Zürich-€-日本.txt',
  'percent/100%25 literal % sign',
  // Not `a//b` or `./` segments: s3rver's router normalises those paths (the S3 client fails there too).
];

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('object transports (s3rver checks every SigV4 signature)', () => {
  const stores = useBackupEndpoints([]);
  const client = () => s3ClientFor(stores.endpoints().destination.url);

  describe.each([
    ['direct', directObjectTransport],
    ['through the client', sdkObjectTransport],
  ] as [string, ObjectTransportFactory][])('%s', (name, transportOf) => {
    it('writes and reads back every awkward key byte for byte, with its metadata', async () => {
      const s3 = client();
      const transport = transportOf(s3);
      for (const [index, key] of AWKWARD_KEYS.entries()) {
        const body = Buffer.from(`${name} ${key} ${'x'.repeat(index * 1000)}`);
        const chunks = [body.subarray(0, 7), body.subarray(7)];
        await transport.put({
          bucket: BACKUP_BUCKET,
          key: `${name}/${key}`,
          chunks,
          contentLength: body.length,
          sha256Hex: sha256Hex(body),
          metadata: { sha256: sha256Hex(body), 'source-etag': 'abc123' },
        });

        const head = await s3.send(new HeadObjectCommand({ Bucket: BACKUP_BUCKET, Key: `${name}/${key}` }));
        expect(head.Metadata).toEqual({ sha256: sha256Hex(body), 'source-etag': 'abc123' });
        const read = await transport.get({
          bucket: BACKUP_BUCKET,
          key: `${name}/${key}`,
          ifMatch: head.ETag,
        });
        expect(read.etag).toBe(head.ETag);
        expect(read.contentLength).toBe(body.length);
        expect((await readAll(read.body)).equals(body)).toBe(true);
      }
    });

    it('answers a missing key with the not-found error the copy expects, not a transient one', async () => {
      const error = await transportOf(client())
        .get({ bucket: BACKUP_BUCKET, key: `${name}/never/written` })
        .catch((caught: unknown) => caught);
      expect(isNotFound(error)).toBe(true);
      expect(isTransientAwsError(error)).toBe(false);
    });
  });

  it('names the refusal of a wrong secret and does not retry it as transient', async () => {
    const wrong = s3ClientFor(stores.endpoints().destination.url, {
      credentials: { accessKeyId: 'AKIDWRONGWRONGWRONG0', secretAccessKey: 'wrong' },
    });
    const error = await directObjectTransport(wrong)
      .put({
        bucket: BACKUP_BUCKET,
        key: 'refused',
        chunks: [Buffer.from('x')],
        contentLength: 1,
        sha256Hex: sha256Hex(Buffer.from('x')),
        metadata: {},
      })
      .catch((caught: unknown) => caught as Error & { $metadata?: { httpStatusCode?: number } });
    expect(error).toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
    expect(isTransientAwsError(error)).toBe(false);
    await expect(
      client().send(new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: 'refused' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('fails with a network error the copy retries when the endpoint does not answer', async () => {
    const endpoint = stores.endpoints().destination;
    const transport = directObjectTransport(client());
    await endpoint.goOffline();
    try {
      const error = await transport.get({ bucket: BACKUP_BUCKET, key: 'anything' }).catch((caught) => caught);
      expect(isNetworkError(error)).toBe(true);
      expect(isTransientAwsError(error)).toBe(true);
    } finally {
      await endpoint.goOnline();
    }
  });
});

describe('direct transport: what goes on the wire', () => {
  let server: Server;
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: Buffer } | undefined;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen = {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: Buffer.concat(chunks),
        };
        response.writeHead(200, { etag: '"e"' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs with the session token, the signing region and the signed payload hash, and sends the body as given', async () => {
    const { port } = server.address() as AddressInfo;
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
    });
    const body = Buffer.from('hello, backup');
    await directObjectTransport(s3).put({
      bucket: 'lakehouse-backup',
      key: 'data/a b.csv',
      chunks: [body.subarray(0, 5), body.subarray(5)],
      contentLength: body.length,
      sha256Hex: sha256Hex(body),
      metadata: { sha256: sha256Hex(body) },
    });

    expect(seen).toMatchObject({ method: 'PUT', url: '/lakehouse-backup/data/a%20b.csv' });
    expect(seen?.body.equals(body)).toBe(true);
    expect(seen?.headers).toMatchObject({
      'content-length': String(body.length),
      'x-amz-content-sha256': sha256Hex(body),
      'x-amz-meta-sha256': sha256Hex(body),
      'x-amz-security-token': 'session-token',
    });
    expect(seen?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/s3\/aws4_request, SignedHeaders=[^,]*x-amz-content-sha256[^,]*, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe('objectEndpointOf', () => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

  it('addresses AWS S3 buckets virtual-hosted in their region, and dotted names path style', async () => {
    const s3 = new S3Client({ region: 'eu-west-1', credentials });
    expect(await objectEndpointOf(s3, 'lakehouse-ops-backup')).toMatchObject({
      url: new URL('https://lakehouse-ops-backup.s3.eu-west-1.amazonaws.com/'),
      signingRegion: 'eu-west-1',
      signingName: 's3',
    });
    expect((await objectEndpointOf(s3, 'dotted.bucket.name'))?.url.href).toBe(
      'https://s3.eu-west-1.amazonaws.com/dotted.bucket.name',
    );
  });

  it('keeps a MinIO endpoint path style', async () => {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: 'https://minio.lakehouse.svc:9000',
      forcePathStyle: true,
      credentials,
    });
    expect((await objectEndpointOf(s3, 'market-data'))?.url.href).toBe(
      'https://minio.lakehouse.svc:9000/market-data',
    );
  });
});

describe('encodeObjectKey', () => {
  it('encodes each segment as the S3 client does and keeps the separators', () => {
    expect(encodeObjectKey("a b/c+d/e!f'g(h)i*j~k/Zü")).toBe('a%20b/c%2Bd/e%21f%27g%28h%29i%2Aj~k/Z%C3%BC');
  });
});
