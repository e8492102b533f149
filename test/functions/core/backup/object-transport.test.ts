import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isNetworkError, isTransientAwsError } from '../../../../functions/commons/transient-errors.ts';
import { objectEndpointOf } from '../../../../functions/core/backup/object-endpoint.ts';
import {
  directObjectTransport,
  type ObjectTransportFactory,
  sdkObjectTransport,
} from '../../../../functions/core/backup/object-transport.ts';
import { encodeObjectKey, isNotFound } from '../../../../functions/core/backup/s3-calls.ts';
import { BACKUP_BUCKET, s3ClientFor, useBackupEndpoints } from './support/backup-endpoints.ts';
import { useSigV4ObjectServer } from './support/sigv4-object-server.ts';

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const md5Hex = (body: Buffer) => createHash('md5').update(body).digest('hex');
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

describe('object transports against s3rver (the S3 protocol; s3rver does not check signatures)', () => {
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

  it('names the refusal of an unknown access key and does not retry it as transient', async () => {
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

describe('object transports against an endpoint that checks SigV4 as S3 does', () => {
  const keys = {
    accessKeyId: 'AKIDSIGV4CHECKED0001',
    secretAccessKey: 'checked-secret',
    sessionToken: 'session',
  };
  const server = useSigV4ObjectServer(keys);
  const clientWith = (options: { maxAttempts?: number; secretAccessKey?: string } = {}) =>
    new S3Client({
      endpoint: server().url,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: {
        ...keys,
        ...(options.secretAccessKey ? { secretAccessKey: options.secretAccessKey } : {}),
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 1,
    });
  const put = (transport: ReturnType<ObjectTransportFactory>, key: string, body: Buffer) =>
    transport.put({
      bucket: 'lakehouse-backup',
      key,
      chunks: [body.subarray(0, 3), body.subarray(3)],
      contentLength: body.length,
      sha256Hex: sha256Hex(body),
      metadata: { sha256: sha256Hex(body) },
    });

  it.each([
    ['the S3 client itself (proves the checker)', sdkObjectTransport],
    ['the direct transport', directObjectTransport],
  ] as [string, ObjectTransportFactory][])(
    'accepts every request of %s, awkward keys included, and refuses a wrong secret',
    async (_name, transportOf) => {
      const transport = transportOf(clientWith());
      const before = server().requests.length;
      for (const key of AWKWARD_KEYS) {
        const body = Buffer.from(`content of ${key}`);
        await put(transport, key, body);
        const read = await transport.get({ bucket: 'lakehouse-backup', key, ifMatch: `"${md5Hex(body)}"` });
        expect((await readAll(read.body)).equals(body)).toBe(true);
      }
      const seen = server().requests.slice(before);
      expect(seen.filter((request) => request.refused)).toEqual([]);
      expect(seen).toHaveLength(AWKWARD_KEYS.length * 2);
      for (const request of seen) {
        expect(request.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-security-token']));
      }

      const refused = await transportOf(clientWith({ secretAccessKey: 'not-the-secret' }))
        .get({ bucket: 'lakehouse-backup', key: AWKWARD_KEYS[0]! })
        .catch((caught: unknown) => caught);
      expect(refused).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
      expect(isTransientAwsError(refused)).toBe(false);
    },
  );

  it('sends a GET with If-Match signed and no payload, and names a changed object PreconditionFailed', async () => {
    const transport = directObjectTransport(clientWith());
    await put(transport, 'if-match/a.csv', Buffer.from('version one'));

    const error = await transport
      .get({ bucket: 'lakehouse-backup', key: 'if-match/a.csv', ifMatch: '"not-the-etag"' })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412, requestId: expect.stringMatching(/^request-\d+$/) },
    });
    const get = server().requests.at(-1)!;
    expect(get).toMatchObject({ method: 'GET', path: '/lakehouse-backup/if-match/a.csv' });
    expect(get.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(get.signedHeaders).toContain('if-match');
  });

  it('learns the server clock from a refusal for its time, and the retry is accepted', async () => {
    const s3 = clientWith({ maxAttempts: 2 });
    server().setClockAheadMs(20 * 60 * 1000);
    try {
      await put(directObjectTransport(s3), 'skew/a.csv', Buffer.from('late clock'));
    } finally {
      server().setClockAheadMs(0);
    }
    const [refused, accepted] = server().requests.slice(-2);
    expect(refused?.refused).toMatch(/more than 5 minutes/);
    expect(accepted?.refused).toBeUndefined();
    expect((s3.config as { systemClockOffset?: number }).systemClockOffset).toBeGreaterThan(19 * 60 * 1000);
  });

  it("retries a 503 without a body up to the client's maxAttempts, then fails as transient", async () => {
    const transport = directObjectTransport(clientWith({ maxAttempts: 3 }));
    server().failNext(2, { status: 503 });
    await put(transport, 'busy/a.csv', Buffer.from('third time'));

    server().failNext(3, { status: 503 });
    const error = await put(transport, 'busy/b.csv', Buffer.from('never')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TransientError', cause: { name: 'Http503' } });
    expect(isTransientAwsError((error as { cause: unknown }).cause)).toBe(true);
  });

  it('asks a large PUT to be continued before it sends the body, and sends it whole', async () => {
    const large = Buffer.alloc(3 * 1024 * 1024, 7);
    await put(directObjectTransport(clientWith()), 'large/a.bin', large);
    const request = server().requests.at(-1)!;
    expect(request.headers.expect).toBe('100-continue');
    expect(request).toMatchObject({ bodyBytes: large.length });
    expect(request.refused).toBeUndefined();
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
