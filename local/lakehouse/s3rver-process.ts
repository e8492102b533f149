import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account.js';
import {
  emitMultiObjectDeleteEvents,
  FORWARD_OBJECT_EVENTS_VARIABLE,
  forwardObjectEvents,
  type S3ObjectEventMessage,
  type S3rverWithEvents,
  tracingRequests,
} from './s3rver-object-events.ts';
import { routeBucketVersioningRequests } from './s3rver-versioning.ts';

/**
 * Child-process entry for one s3rver endpoint. s3rver encrypts ListObjectsV2 continuation tokens
 * with DES, which OpenSSL 3 only offers through the legacy provider, and that provider can only be
 * enabled when Node starts (`--openssl-legacy-provider`). So each endpoint runs in its own process,
 * forked with that flag, and is controlled over IPC (see s3-endpoint.ts for the message protocol).
 */

export type S3EndpointCommand = { type: 'go-offline' } | { type: 'go-online' };
export type S3EndpointEvent =
  | { type: 'online'; port: number }
  | { type: 'offline' }
  | { type: 'failed'; message: string };

const [directory, bucketList = ''] = process.argv.slice(2);
if (!directory || !process.send) {
  throw new Error(
    'usage: fork(s3rver-process.ts, [<data directory>, <comma-separated buckets>]) with an IPC channel',
  );
}

// Only the endpoint's own key pair authenticates (s3rver's built-in S3RVER/S3RVER pair is revoked),
// so a client that skipped the credentials secret fails as it would against MinIO.
const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
if (!accessKeyId || !secretAccessKey)
  throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set');
DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);

routeBucketVersioningRequests();

const report = (event: S3EndpointEvent | S3ObjectEventMessage): void => {
  process.send?.(event);
};
const forwardingObjectEvents = process.env[FORWARD_OBJECT_EVENTS_VARIABLE] === '1';
if (forwardingObjectEvents) emitMultiObjectDeleteEvents();

const s3rver = new S3rver({
  directory,
  silent: true,
  configureBuckets: bucketList
    .split(',')
    .filter((name) => name !== '')
    .map((name) => ({ name })),
});
await s3rver.configureBuckets();
if (forwardingObjectEvents) {
  forwardObjectEvents(s3rver as unknown as S3rverWithEvents, (event) =>
    report({ type: 'object-event', event }),
  );
}

// The server is created here rather than by s3rver.run() so it can stop listening and come back on
// the same port: that is how the drill takes "MinIO" down without losing its objects.
const server = createServer(forwardingObjectEvents ? tracingRequests(s3rver.callback()) : s3rver.callback());
let port = 0;

function goOnline(): void {
  server.once('error', (error) => report({ type: 'failed', message: error.message }));
  server.listen(port, '127.0.0.1', () => {
    port = (server.address() as AddressInfo).port;
    report({ type: 'online', port });
  });
}

process.on('message', (command: S3EndpointCommand) => {
  if (command.type === 'go-offline') {
    server.close(() => report({ type: 'offline' }));
    server.closeAllConnections();
  } else if (command.type === 'go-online') {
    goOnline();
  }
});
// The parent owns this process: when the IPC channel goes, so does the endpoint.
process.on('disconnect', () => process.exit(0));

goOnline();
